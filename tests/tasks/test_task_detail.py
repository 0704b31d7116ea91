from django.urls import reverse

from tasks import actions
from tasks.choices import Status, TaskKind
from tests.factories import CarePlanFactory, TaskFactory
from tests.helpers import count_queries


def _page(task):
    return reverse("task_detail", args=[task.pk])


def test_owner_sees_task_patient_and_the_actions_open_to_them(client, coordinator, task):
    client.force_login(coordinator)

    response = client.get(_page(task))

    assert response.status_code == 200
    assert task.title in response.text
    assert task.patient.mrn in response.text
    # A New task: Resume is not offered because the status table would refuse it.
    assert set(response.context["forms"]) == {
        "start",
        "wait",
        "complete",
        "cancel",
        "reassign",
        "change",
        "note",
        "attempt",
    }
    assert response.templates[0].name == "tasks/task_detail.html"


def test_waiting_task_offers_only_the_moves_its_status_allows(client, coordinator, patient):
    task = TaskFactory(patient=patient, owner=coordinator, status=Status.WAITING)
    client.force_login(coordinator)

    forms = client.get(_page(task)).context["forms"]

    assert set(forms) == {"resume", "complete", "reassign", "change", "note", "attempt"}


def test_manager_is_offered_reopen_on_a_closed_task(client, manager, patient, coordinator):
    task = TaskFactory(patient=patient, owner=coordinator, status=Status.COMPLETED)
    client.force_login(manager)

    assert "reopen" in client.get(_page(task)).context["forms"]


def test_front_desk_on_a_coordinators_task_may_only_add_notes(client, front_desk, task):
    client.force_login(front_desk)

    assert set(client.get(_page(task)).context["forms"]) == {"note", "attempt"}


def test_front_desk_cannot_open_a_clinical_task(client, front_desk, patient, coordinator):
    lab = TaskFactory(patient=patient, owner=coordinator, kind=TaskKind.LAB)
    client.force_login(front_desk)

    assert client.get(_page(lab)).status_code == 404


def test_htmx_request_renders_only_the_panel(client, coordinator, task):
    client.force_login(coordinator)

    response = client.get(_page(task), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.templates[0].name == "tasks/_task_panel.html"
    assert "tasks/task_detail.html" not in [t.name for t in response.templates]
    assert "<html" not in response.text
    assert task.title in response.text


def _add_history(task, count, *, people, patient):
    """Other tasks of the patient, and notes and reassignments on this one by several people."""
    task.refresh_from_db()
    for i in range(count):
        TaskFactory(patient=patient, owner=people[i % len(people)])
        actions.add_note(task, by=people[i % len(people)], body=f"note {i}", contact_outcome="left_message")
        task = actions.reassign_task(task, by=None, to=people[(i + 1) % len(people)], reason=f"cover {i}")


def test_page_costs_the_same_queries_with_3_tasks_and_with_30(
    client, manager, patient, coordinator, colleague, medical_assistant
):
    people = [coordinator, colleague, medical_assistant]
    task = TaskFactory(patient=patient, owner=coordinator, care_plan=CarePlanFactory(patient=patient))
    client.force_login(manager)
    _add_history(task, 3, people=people, patient=patient)
    client.get(_page(task))
    few = count_queries(client, _page(task))

    _add_history(task, 27, people=people, patient=patient)
    many = count_queries(client, _page(task))

    assert many == few


def test_the_panel_has_what_a_call_needs_phone_birth_date_and_attempts_so_far(client, coordinator, task):
    for outcome in ("no_answer", "left_message"):
        actions.add_note(task, by=coordinator, body="", contact_outcome=outcome)
    patient = task.patient
    patient.phone = "(315) 555-0162"
    patient.save()
    client.force_login(coordinator)

    body = client.get(_page(task)).content.decode()

    assert f"born {patient.birth_date:%m/%d/%Y}" in body
    assert 'href="tel:3155550162">(315) 555-0162</a>' in body
    assert "2 contact attempts" in body


def test_a_step_shows_the_task_it_waits_for_naming_it_to_clinical_staff_only(
    client, coordinator, front_desk, patient, medical_assistant
):
    before = TaskFactory(
        patient=patient, owner=medical_assistant, kind=TaskKind.OTHER, title="Medication reconciliation"
    )
    step = TaskFactory(
        patient=patient, owner=front_desk, kind=TaskKind.SCHEDULING, title="Book the visit", depends_on=before
    )

    client.force_login(coordinator)
    clinical = client.get(_page(step)).content.decode()
    client.force_login(front_desk)
    desk = client.get(_page(step)).content.decode()

    assert "Waits for:" in clinical
    assert "Medication reconciliation" in clinical
    assert str(medical_assistant) in clinical
    assert "Waits for:" in desk
    assert "Medication reconciliation" not in desk  # a clinical task front desk cannot open
    assert "an earlier step of the plan" in desk
