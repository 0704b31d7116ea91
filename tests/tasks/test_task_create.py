"""A one-off task from the patient page: rights as for any task (front desk: scheduling and
outreach kinds only), the owner from the patient's care team, and bad input changes nothing."""

from django.urls import reverse

from tasks.choices import ActivityKind, Priority, Status, TaskKind
from tasks.models import Activity, Task
from tests.factories import in_days
from tests.helpers import creates_nothing


def _url(patient):
    return reverse("task_create", args=[patient.pk])


def _data(**overrides):
    return {
        "title": "Call back about the new inhaler",
        "kind": TaskKind.OUTREACH_CALL,
        "due_on": in_days(2).isoformat(),
        "priority": Priority.HIGH,
        "note": "She asked for a call after 3 pm.",
        **overrides,
    }


def test_coordinator_adds_a_one_off_call_for_a_colleague(client, coordinator, colleague, patient):
    client.force_login(coordinator)

    response = client.post(_url(patient), _data(owner=colleague.pk))

    assert response.status_code == 302
    assert response["Location"] == patient.get_absolute_url()
    task = Task.objects.get()
    assert (task.title, task.kind, task.owner, task.due_on, task.priority, task.status, task.care_plan) == (
        "Call back about the new inhaler",
        TaskKind.OUTREACH_CALL,
        colleague,
        in_days(2),
        Priority.HIGH,
        Status.NEW,
        None,
    )
    created = Activity.objects.get(task=task)
    assert (created.kind, created.actor, created.to_owner, created.body) == (
        ActivityKind.CREATED,
        coordinator,
        colleague,
        "She asked for a call after 3 pm.",
    )
    assert task.history.get().history_user == coordinator


def test_a_task_can_join_one_of_the_patients_active_plans(client, coordinator, patient, care_plan):
    client.force_login(coordinator)

    client.post(_url(patient), _data(owner=coordinator.pk, care_plan=care_plan.pk))

    assert Task.objects.get().care_plan == care_plan


def test_front_desk_is_offered_and_allowed_scheduling_and_outreach_only(client, front_desk, patient):
    client.force_login(front_desk)

    form = client.get(_url(patient)).context["form"]
    assert {value for value, _ in form.fields["kind"].choices} == {
        TaskKind.SCHEDULING,
        TaskKind.OUTREACH_CALL,
    }
    assert "care_plan" not in form.fields  # front desk sees no plans
    with creates_nothing():
        refused = client.post(_url(patient), _data(owner=front_desk.pk, kind=TaskKind.LAB))
    assert refused.status_code == 400
    assert refused.context["form"].errors["kind"]

    client.post(_url(patient), _data(owner=front_desk.pk, kind=TaskKind.SCHEDULING))
    assert Task.objects.get().kind == TaskKind.SCHEDULING


def test_bad_input_shows_field_errors_and_creates_nothing(client, coordinator, outsider, patient):
    client.force_login(coordinator)

    with creates_nothing():
        no_title = client.post(_url(patient), _data(owner=coordinator.pk, title=" "))
        stranger = client.post(_url(patient), _data(owner=outsider.pk))
        no_date = client.post(_url(patient), _data(owner=coordinator.pk, due_on="13/45/2026"))

    assert no_title.status_code == stranger.status_code == no_date.status_code == 400
    assert no_title.context["form"].errors["title"]
    assert stranger.context["form"].errors["owner"]  # not of the patient's care team
    assert no_date.context["form"].errors["due_on"]


def test_the_patient_page_offers_a_new_task_to_those_who_may_create_one(
    client, coordinator, medical_assistant, patient
):
    client.force_login(coordinator)
    body = client.get(patient.get_absolute_url()).content.decode()

    assert f'href="{_url(patient)}"' in body
