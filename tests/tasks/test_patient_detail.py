import pytest
from django.urls import reverse

from careplans.models import PatientAccessLog
from tasks import actions
from tasks.choices import Status, TaskKind
from tests.factories import (
    AppointmentFactory,
    CarePlanFactory,
    EnrollmentFactory,
    GoalFactory,
    TaskFactory,
    in_days,
)
from tests.helpers import count_queries


@pytest.fixture
def plan(patient, provider):
    plan = CarePlanFactory(patient=patient, author=provider, interventions="Start insulin glargine 10 units")
    GoalFactory(care_plan=plan, description="Fasting glucose under 130", target="within 8 weeks")
    EnrollmentFactory(patient=patient, program=plan.program)
    return plan


def _page(patient):
    return reverse("patient_detail", args=[patient.pk])


def test_page_shows_patient_plan_and_open_tasks(client, coordinator, patient, plan, task):
    client.force_login(coordinator)

    response = client.get(_page(patient))

    assert response.status_code == 200
    assert patient.mrn in response.text
    assert task.title in response.text
    assert "Fasting glucose under 130" in response.text
    assert "Start insulin glargine" in response.text
    assert response.context["next_task"] == task


def test_each_view_writes_one_access_log_row(client, coordinator, patient):
    client.force_login(coordinator)

    client.get(_page(patient))
    client.get(_page(patient))

    rows = list(PatientAccessLog.objects.filter(patient=patient).values_list("user", "path"))
    assert rows == [(coordinator.pk, _page(patient))] * 2


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("admin", 403)])
def test_refused_view_is_logged_as_refused(client, request, patient, who, status):
    user = request.getfixturevalue(who)
    client.force_login(user)

    assert client.get(_page(patient)).status_code == status
    rows = list(PatientAccessLog.objects.values_list("user", "patient", "outcome"))
    assert rows == [(user.pk, patient.pk, "refused")]


def test_front_desk_sees_no_goals_or_interventions(client, front_desk, patient, plan, coordinator):
    TaskFactory(patient=patient, owner=coordinator, kind=TaskKind.LAB, title="Draw A1c panel")
    call = TaskFactory(patient=patient, owner=coordinator, kind=TaskKind.SCHEDULING, title="Book follow-up")
    client.force_login(front_desk)

    response = client.get(_page(patient))

    assert response.status_code == 200
    assert patient.mrn in response.text
    assert call.title in response.text
    for clinical in ("Fasting glucose under 130", "within 8 weeks", "insulin glargine", "Draw A1c panel"):
        assert clinical not in response.text


def _add_tasks(count, *, patient, plan, owners):
    """A realistic mix: owners vary, some tasks belong to the plan, some are closed, some were
    reassigned or noted, so every related lookup the page makes is exercised."""
    for i in range(count):
        owner = owners[i % len(owners)]
        task = TaskFactory(
            patient=patient,
            owner=owner,
            care_plan=plan if i % 2 else None,
            kind=TaskKind.OUTREACH_CALL if i % 3 else TaskKind.SCHEDULING,
            status=[Status.NEW, Status.IN_PROGRESS, Status.COMPLETED, Status.WAITING][i % 4],
            by=owner,
        )
        actions.add_note(task, by=owner, body=f"note {i}", contact_outcome="no_answer" if i % 2 else "")
        if task.is_open:
            actions.reassign_task(task, by=None, to=owners[(i + 1) % len(owners)], reason="balance")
        AppointmentFactory(patient=patient, provider=owners[0])


@pytest.mark.parametrize("who", ["coordinator", "front_desk"])
def test_page_costs_the_same_queries_with_3_tasks_and_with_30(
    client, request, who, patient, plan, coordinator, colleague, medical_assistant
):
    owners = [coordinator, colleague, medical_assistant]
    client.force_login(request.getfixturevalue(who))
    _add_tasks(3, patient=patient, plan=plan, owners=owners)
    client.get(_page(patient))  # warm per-process caches (content types)
    few = count_queries(client, _page(patient))

    _add_tasks(27, patient=patient, plan=plan, owners=owners)
    many = count_queries(client, _page(patient))

    assert len(client.get(_page(patient)).context["open_tasks"]) > 3
    assert many == few


def test_next_action_is_work_that_can_be_done_now_not_a_wait_still_running(client, coordinator, patient):
    """A task waiting within its date can't be worked: the next action is the earliest other one."""
    waiting = TaskFactory(
        patient=patient, owner=coordinator, title="Waiting on a callback", due_on=in_days(-3)
    )
    actions.wait_task(waiting, by=coordinator, reason="patient_callback", until=in_days(5))
    TaskFactory(patient=patient, owner=coordinator, title="Overdue lab", due_on=in_days(-1))
    client.force_login(coordinator)

    response = client.get(reverse("patient_detail", args=[patient.pk]))

    assert response.context["next_task"].title == "Overdue lab"


def test_front_desk_is_told_what_the_empty_list_leaves_out(client, front_desk, patient, coordinator):
    TaskFactory(patient=patient, owner=coordinator, kind=TaskKind.LAB, title="Clinical only")
    client.force_login(front_desk)

    body = client.get(reverse("patient_detail", args=[patient.pk])).content.decode()

    assert "Clinical only" not in body
    assert "No open scheduling or outreach tasks." in body
