"""Notes about a patient rather than one task: tasks.notes.add_patient_note, the form on the
patient page, the page's Notes block and timeline, and the task panel's latest note."""

from contextlib import contextmanager

import pytest
from django.urls import reverse

from tasks.actions import NotAllowed, RuleViolation
from tasks.models import PatientNote
from tasks.notes import NOTE_MAX_LENGTH, add_patient_note
from tests.factories import TaskFactory

HTMX = {"HX-Request": "true"}


def _page(patient):
    return reverse("patient_detail", args=[patient.pk])


def _add_url(patient):
    return reverse("patient_note_add", args=[patient.pk])


@contextmanager
def writes_no_note():
    before = (PatientNote.objects.count(), PatientNote.history.count())
    yield
    assert (PatientNote.objects.count(), PatientNote.history.count()) == before


@pytest.mark.parametrize("who", ["provider", "coordinator", "medical_assistant", "front_desk", "manager"])
def test_whoever_notes_tasks_may_note_the_patient(request, patient, who):
    user = request.getfixturevalue(who)

    note = add_patient_note(patient, by=user, body="  Prefers calls after 3 pm  ")

    assert (note.patient, note.author, note.body) == (patient, user, "Prefers calls after 3 pm")
    (history,) = PatientNote.history.filter(id=note.pk)
    assert (history.history_type, history.history_user, history.body) == ("+", user, note.body)


@pytest.mark.parametrize("who", ["admin", "outsider"])
def test_admin_and_another_teams_staff_may_not(request, patient, who):
    with writes_no_note(), pytest.raises(NotAllowed):
        add_patient_note(patient, by=request.getfixturevalue(who), body="Daughter is the contact")


@pytest.mark.parametrize(
    ("body", "rule"), [("   ", "note-needs-text"), ("x" * (NOTE_MAX_LENGTH + 1), "patient-note-short")]
)
def test_an_empty_or_overlong_note_is_refused(patient, coordinator, body, rule):
    with writes_no_note(), pytest.raises(RuleViolation) as refused:
        add_patient_note(patient, by=coordinator, body=body)
    assert refused.value.rule == rule


def test_notes_are_append_only(patient, coordinator):
    note = add_patient_note(patient, by=coordinator, body="Hard of hearing: speak slowly")
    note.body = "changed"

    with pytest.raises(ValueError):
        note.save()
    with pytest.raises(ValueError):
        note.delete()


def test_the_form_adds_a_note_and_returns_to_the_notes(client, front_desk, patient):
    client.force_login(front_desk)

    response = client.post(_add_url(patient), {"body": "Daughter Mary is the contact"})

    assert response.status_code == 302
    assert response["Location"] == f"{_page(patient)}#notes"
    note = PatientNote.objects.get()
    assert (note.author, note.body) == (front_desk, "Daughter Mary is the contact")
    page = client.get(response["Location"]).content.decode()
    assert "Note added." in page
    assert "Daughter Mary is the contact" in page


def test_an_empty_note_comes_back_on_the_page_with_its_error(client, coordinator, patient):
    client.force_login(coordinator)

    with writes_no_note():
        response = client.post(_add_url(patient), {"body": "   "})

    assert response.status_code == 400
    assert "Write the note." in response.content.decode()
    assert '<details class="note-add" open>' in response.content.decode()


def test_the_page_shows_the_latest_five_newest_first_and_the_timeline_the_rest(client, coordinator, patient):
    for i in range(7):
        add_patient_note(patient, by=coordinator, body=f"note number {i}")
    client.force_login(coordinator)

    response = client.get(_page(patient))

    assert [n.body for n in response.context["notes"]] == [f"note number {i}" for i in (6, 5, 4, 3, 2)]
    assert "Older notes are in the timeline below." in response.content.decode()
    in_timeline = [e.text for e in response.context["timeline"] if e.label == "Note about the patient"]
    assert in_timeline == [f"note number {i}" for i in range(6, -1, -1)]


def test_admin_gets_no_form_because_admin_gets_no_page(client, admin, patient):
    client.force_login(admin)

    assert client.get(_page(patient)).status_code == 403


def test_the_task_panel_shows_the_latest_note_about_the_patient(client, coordinator, patient):
    task = TaskFactory(patient=patient, owner=coordinator)
    add_patient_note(patient, by=coordinator, body="Old number, do not use")
    add_patient_note(patient, by=coordinator, body="Prefers calls after 3 pm")
    client.force_login(coordinator)

    body = client.get(reverse("task_detail", args=[task.pk]), headers=HTMX).content.decode()

    assert "About the patient: Prefers calls after 3 pm" in body
    assert "Old number" not in body
