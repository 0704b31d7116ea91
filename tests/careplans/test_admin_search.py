"""Admin search on the big tables: a number finds the row (or its task) by id, a patient's MRN
(any case) finds that patient's rows, a username that user's; anything else finds nothing."""

import pytest
from django.urls import reverse

from careplans.models import PatientAccessLog
from tasks import actions
from tests.factories import PatientFactory, TaskFactory


@pytest.fixture
def rows(patient, other_patient, coordinator, outsider):
    mine = TaskFactory(patient=patient, owner=coordinator)
    theirs = TaskFactory(patient=other_patient, owner=outsider)
    actions.add_note(mine, by=coordinator, body="called", contact_outcome="reached")
    actions.add_note(theirs, by=outsider, body="called", contact_outcome="reached")
    PatientAccessLog.objects.create(user=coordinator, patient=patient, path="/")
    PatientAccessLog.objects.create(user=outsider, patient=other_patient, path="/")
    return mine, theirs


def _found(client, model: str, term: str) -> list:
    response = client.get(reverse(f"admin:{model}_changelist"), {"q": term})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_tasks_by_id_or_mrn(client, superuser, rows, patient):
    mine, _theirs = rows
    client.force_login(superuser)

    assert _found(client, "tasks_task", str(mine.pk)) == [mine]
    assert _found(client, "tasks_task", patient.mrn.lower()) == [mine]
    assert _found(client, "tasks_task", "no-such-mrn") == []


def test_timeline_rows_by_task_id_or_mrn(client, superuser, rows, other_patient):
    _mine, theirs = rows
    client.force_login(superuser)

    assert {a.task_id for a in _found(client, "tasks_activity", str(theirs.pk))} == {theirs.pk}
    assert {a.task_id for a in _found(client, "tasks_activity", other_patient.mrn)} == {theirs.pk}


def test_access_log_by_mrn_or_username(client, superuser, rows, patient, coordinator):
    client.force_login(superuser)

    assert [r.user for r in _found(client, "careplans_patientaccesslog", "COORDINATOR")] == [coordinator]
    assert [r.patient_id for r in _found(client, "careplans_patientaccesslog", patient.mrn)] == [patient.pk]


def test_a_numeric_mrn_finds_both_its_patient_and_the_task_with_that_id(client, superuser, coordinator, team):
    task = TaskFactory(patient=PatientFactory(care_team=team), owner=coordinator)
    numbered = PatientFactory(care_team=team, mrn=str(task.pk))
    other = TaskFactory(patient=numbered, owner=coordinator)
    client.force_login(superuser)

    assert {t.pk for t in _found(client, "tasks_task", str(task.pk))} == {task.pk, other.pk}
