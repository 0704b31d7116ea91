"""Importing a FHIR Bundle again: the same Bundle changes nothing (no new row, no new history
row, no new timeline row); a changed resource updates the row it was imported as, with history
naming the import. Care plans, goals and tasks are found by their identifier (the HL7 examples'
own, or our id in what we export)."""

import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from careplans.models import CarePlan, CarePlanStatus, Enrollment, Goal, GoalStatus, Patient
from integrations.fhir import mapping
from integrations.fhir.importer import import_bundle
from integrations.models import FhirIdentifier
from tasks.choices import ActivityKind, Status, TaskKind
from tasks.models import Activity, Task
from tests.factories import GoalFactory, TaskFactory
from tests.integrations.fhir_helpers import bundle_of, counts, empty_patient_data, example, hl7_bundle


def _written() -> dict:
    """Every row an import writes, history and timeline included."""
    return {
        **counts(),
        "Enrollment": Enrollment.objects.count(),
        "Activity": Activity.objects.count(),
        "Patient history": Patient.history.count(),
        "CarePlan history": CarePlan.history.count(),
        "Goal history": Goal.history.count(),
        "Task history": Task.history.count(),
        "FhirIdentifier": FhirIdentifier.objects.count(),
    }


def _task(bundle: dict) -> dict:
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task")


def test_the_hl7_bundle_imported_twice_changes_nothing(team, coordinator):
    assert import_bundle(hl7_bundle(), team=team, default_owner=coordinator).ok
    before = _written()

    again = import_bundle(hl7_bundle(), team=team, default_owner=coordinator)

    assert again.ok, again.summary_lines()
    assert _written() == before
    assert (again.created, again.updated) == ({}, {})
    assert again.unchanged == {"Patient": 1, "CarePlan": 1, "Task": 1}
    # Found by the identifiers the examples carry.
    assert set(FhirIdentifier.objects.values_list("resource_type", "key")) == {
        ("CarePlan", "|12345"),
        ("Task", "http:/goodhealth.org/identifiers|20170201-001"),
    }


def test_a_changed_status_on_re_import_moves_the_task_through_it_with_history(team, coordinator):
    bundle = hl7_bundle()
    assert import_bundle(bundle, team=team, default_owner=coordinator).ok
    task = Task.objects.get()
    assert task.status == Status.IN_PROGRESS

    _task(bundle)["status"] = "completed"
    _task(bundle)["output"] = [{"type": {"text": mapping.OUTCOME_TYPE}, "valueString": "Specimen sent"}]
    report = import_bundle(bundle, team=team, default_owner=coordinator)

    assert report.ok, report.summary_lines()
    assert report.updated == {"Task": 1} and report.unchanged["CarePlan"] == 1
    done = Task.objects.get()
    assert (done.pk, done.status, done.outcome, done.version) == (
        task.pk,
        Status.COMPLETED,
        "Specimen sent",
        task.version + 1,
    )
    assert done.completed_at is not None
    assert list(done.activities.exclude(kind=ActivityKind.IMPORT).values_list("kind", flat=True)) == [
        ActivityKind.STATUS_CHANGE
    ]
    moved = done.activities.get(kind=ActivityKind.STATUS_CHANGE)
    assert (moved.kind, moved.from_status, moved.to_status, moved.body) == (
        ActivityKind.STATUS_CHANGE,
        Status.IN_PROGRESS,
        Status.COMPLETED,
        "FHIR import",
    )
    latest = done.history.first()
    assert (latest.history_type, latest.status, latest.history_change_reason) == (
        "~",
        "completed",
        "FHIR import",
    )

    # And the plan: revoked over FHIR, the same plan is revoked.
    plan = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan")
    plan["status"] = "revoked"
    assert import_bundle(bundle, team=team, default_owner=coordinator).updated == {"CarePlan": 1}
    revoked = CarePlan.objects.get()
    assert revoked.status == CarePlanStatus.REVOKED
    assert revoked.history.first().history_change_reason == "FHIR import"


def test_our_export_imported_into_an_empty_database_twice_changes_nothing_the_second_time(
    client, coordinator, provider, patient, care_plan, team
):
    GoalFactory(care_plan=care_plan, description="Walk daily", target="30 minutes")
    for status in Status.values:
        TaskFactory(patient=patient, owner=coordinator, status=status, kind=TaskKind.LAB, care_plan=care_plan)
    client.force_login(provider)
    exported = json.loads(client.get(reverse("fhir_everything", args=[patient.pk])).content)
    empty_patient_data()

    first = import_bundle(exported, team=team)
    assert first.ok, first.summary_lines()
    assert (first.created["Task"], first.created["Goal"], first.created["CarePlan"]) == (5, 1, 1)
    before = _written()

    again = import_bundle(exported, team=team)

    assert again.ok, again.summary_lines()
    assert _written() == before
    assert again.unchanged == {"Patient": 1, "CarePlan": 1, "Goal": 1, "Task": 5}

    # A goal achieved since: the same goal, updated.
    goal = next(e["resource"] for e in exported["entry"] if e["resource"]["resourceType"] == "Goal")
    goal["lifecycleStatus"] = "completed"
    assert import_bundle(exported, team=team).updated == {"Goal": 1}
    assert Goal.objects.get().status == GoalStatus.ACHIEVED


def test_our_export_imported_into_its_own_database_finds_our_rows_by_their_id(
    client, coordinator, provider, patient, care_plan, team
):
    GoalFactory(care_plan=care_plan, description="Walk daily")
    TaskFactory(patient=patient, owner=coordinator, care_plan=care_plan)
    client.force_login(provider)
    exported = json.loads(client.get(reverse("fhir_everything", args=[patient.pk])).content)
    before = _written()

    report = import_bundle(exported, team=team)

    assert report.ok, report.summary_lines()
    assert report.created == {} and report.updated == {}
    assert _written() == before  # not even an identifier recorded: our id is enough


def test_a_task_of_ours_for_another_patient_is_not_matched_by_its_id(
    team, coordinator, patient, other_patient
):
    """Our id names a row of ours only for the same patient: another's task is never touched."""
    theirs = TaskFactory(patient=patient, owner=coordinator)
    task = {
        "resourceType": "Task",
        "id": "t1",
        "identifier": [{"system": mapping.OWN_ID_SYSTEMS["Task"], "value": str(theirs.pk)}],
        "status": "ready",
        "intent": "order",
        "description": "Call about results",
        "for": {"reference": "Patient/example"},
        "owner": {"identifier": {"system": mapping.USERNAME_SYSTEM, "value": coordinator.username}},
        "restriction": {"period": {"end": "2030-01-15"}},
    }
    report = import_bundle(bundle_of(example("patient-example"), task), team=team)
    assert report.ok and report.created["Task"] == 1
    assert Task.objects.get(pk=theirs.pk).title == theirs.title


def test_the_command_and_the_upload_page_import_the_same_bundle_once(
    tmp_path, client, manager, team, coordinator
):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(hl7_bundle()))
    call_command(
        "fhir_import", str(path), "--team", team.name, "--owner", manager.username, stdout=io.StringIO()
    )
    before = _written()

    out = io.StringIO()
    call_command("fhir_import", str(path), "--team", team.name, "--owner", manager.username, stdout=out)
    assert "created: none" in out.getvalue() and "updated: none" in out.getvalue()
    client.force_login(manager)
    upload = SimpleUploadedFile("bundle.json", json.dumps(hl7_bundle()).encode())
    response = client.post(reverse("fhir_upload"), {"bundle": upload, "team": team.pk})
    assert response.status_code == 200
    assert _written() == before
