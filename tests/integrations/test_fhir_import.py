"""FHIR R4 Bundle import, what it reads: the HL7 examples as published, the round trip of our own
export, the status table both ways, references, all-or-nothing, dry runs, appointments. The
command and the upload page: test_fhir_import_pages; importing again: test_fhir_reimport."""

import datetime
import json
import uuid

import pytest
from django.urls import reverse
from fhir.resources.R4B import get_fhir_model_class

from careplans.models import (
    Appointment,
    AppointmentStatus,
    CarePlan,
    DueAnchor,
    Goal,
    GoalStatus,
    Patient,
    Program,
)
from integrations.fhir import mapping
from integrations.fhir.importer import import_bundle
from notifications.models import Kind, Notification
from tasks.choices import ActivityKind, Status, TaskKind, WaitingReason
from tasks.intake import apply_template, preview
from tasks.models import Activity, Task
from tests.factories import (
    AppointmentFactory,
    CarePlanTemplateFactory,
    GoalFactory,
    TaskFactory,
    TemplateTaskFactory,
)
from tests.integrations.fhir_helpers import bundle_of, counts, empty_patient_data, example, hl7_bundle

# ---- the HL7 examples ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["patient-example", "careplan-example", "task-example1"])
def test_the_published_r4_examples_validate_with_the_r4b_models(name):
    resource = example(name)
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert model.__class__.__module__.startswith("fhir.resources.R4B.")


def test_the_hl7_example_task_and_careplan_import_cleanly_with_their_patient(team, coordinator):
    report = import_bundle(hl7_bundle(), team=team, default_owner=coordinator)

    assert report.ok, report.summary_lines()
    patient = Patient.objects.get(mrn="12345")
    assert (patient.first_name, patient.last_name, patient.birth_date.isoformat()) == (
        "Peter James",
        "Chalmers",
        "1974-12-25",
    )
    assert patient.phone == "(03) 5555 6473" and patient.care_team == team
    plan = CarePlan.objects.get(patient=patient)
    assert (plan.status, plan.program.name, plan.author) == ("active", "Weight management plan", coordinator)
    assert plan.ends_on.isoformat() == "2017-06-01" and plan.starts_on <= plan.ends_on
    assert not plan.program.is_active  # unknown program: created for an admin to review
    task = Task.objects.get(patient=patient)
    assert (task.status, task.owner, task.kind) == (Status.IN_PROGRESS, coordinator, TaskKind.OTHER)
    assert task.title.startswith("Create order for getting specimen")
    # restriction.period.end 2016-11-02T09:45:05+10:00 is the evening before in New York.
    assert task.due_on.isoformat() == "2016-11-01"
    activity = Activity.objects.get(task=task)
    assert (activity.kind, activity.to_status, activity.to_owner) == (
        ActivityKind.IMPORT,
        Status.IN_PROGRESS,
        coordinator,
    )
    assert task.history.first().history_change_reason == "FHIR import"
    # What was left out is said: the plan's goal and the task's basedOn name nothing in the Bundle.
    notes = " ".join(str(n) for n in report.notes)
    assert "Goal/example" in notes


def test_the_hl7_examples_in_a_transaction_bundle_with_urn_uuid_references(team, coordinator):
    patient, plan, task = example("patient-example"), example("careplan-example"), example("task-example1")
    urn = "urn:uuid:8a6b5e1e-4f0e-4c1f-9a55-0f6d3e2b7c11"
    plan["subject"] = {"reference": urn}
    task["for"] = {"reference": urn}
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": urn, "resource": patient, "request": {"method": "POST", "url": "Patient"}},
            {"fullUrl": "urn:uuid:1", "resource": plan, "request": {"method": "POST", "url": "CarePlan"}},
            {"fullUrl": "urn:uuid:2", "resource": task, "request": {"method": "POST", "url": "Task"}},
        ],
    }
    report = import_bundle(bundle, team=team, default_owner=coordinator)
    assert report.ok, report.summary_lines()
    assert Task.objects.get().patient.mrn == "12345"


def test_without_a_default_owner_the_example_task_is_refused_and_nothing_saved(team):
    report = import_bundle(hl7_bundle(), team=team)
    assert not report.ok
    assert any("owner" in str(e) and e.where == "Task/example1" for e in report.errors)
    assert counts() == dict.fromkeys(counts(), 0)


# ---- round trip ----------------------------------------------------------------------------


def _snapshot():
    patients = sorted(
        Patient.objects.values_list(
            "mrn", "first_name", "last_name", "birth_date", "phone", "ehr_id", "risk_level"
        )
    )
    plans = sorted(
        CarePlan.objects.values_list(
            "patient__mrn",
            "program__code",
            "status",
            "starts_on",
            "ends_on",
            "author__username",
            "interventions",
        )
    )
    goals = sorted(Goal.objects.values_list("care_plan__patient__mrn", "description", "target", "status"))
    tasks = sorted(
        Task.objects.values_list(
            "patient__mrn",
            "title",
            "kind",
            "status",
            "due_on",
            "owner__username",
            "waiting_reason",
            "waiting_until",
            "outcome",
            "care_plan__program__code",
        )
    )
    appointments = sorted(
        Appointment.objects.values_list(
            "patient__mrn", "starts_at", "provider__username", "kind", "external_id"
        )
    )
    return patients, plans, goals, tasks, appointments


def test_round_trip_export_then_import_into_an_empty_database_gives_the_same_records(
    client, coordinator, provider, front_desk, patient, care_plan, team
):
    patient.ehr_id = "E-77"
    patient.phone = "555-0100"
    patient.risk_level = "high"
    patient.save()
    GoalFactory(care_plan=care_plan, description="Walk daily", target="30 minutes")
    GoalFactory(care_plan=care_plan, description="Quit smoking", target="", status=GoalStatus.NOT_ACHIEVED)
    for status in Status.values:
        TaskFactory(patient=patient, owner=coordinator, status=status, kind=TaskKind.LAB, care_plan=care_plan)
    TaskFactory(patient=patient, owner=front_desk, kind=TaskKind.SCHEDULING)
    AppointmentFactory(patient=patient, provider=provider, source="athena", external_id="A-9")
    client.force_login(provider)
    exported = json.loads(client.get(reverse("fhir_everything", args=[patient.pk])).content)
    before = _snapshot()

    empty_patient_data()
    assert counts() == dict.fromkeys(counts(), 0)

    report = import_bundle(exported, team=team)

    assert report.ok, report.summary_lines()
    assert _snapshot() == before
    assert report.created["Task"] == 6 and report.created["Goal"] == 2

    again = import_bundle(exported, team=team)  # the same Bundle again: nothing made twice
    assert again.ok and (again.created, again.updated) == ({}, {})
    assert _snapshot() == before


# ---- the status table ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fhir_status", "ours"),
    [(code, ours) for code, ours in mapping.TASK_STATUS_IN.items()],
)
def test_every_fhir_task_status_we_take_lands_on_the_tables_status(team, coordinator, fhir_status, ours):
    task = {
        "resourceType": "Task",
        "id": "t1",
        "status": fhir_status,
        "intent": "order",
        "description": "Call about results",
        "for": {"reference": "Patient/example"},
        "owner": {"identifier": {"system": mapping.USERNAME_SYSTEM, "value": coordinator.username}},
        "restriction": {"period": {"end": "2030-01-15"}},
        "businessStatus": {"text": "Lab result"},
    }
    report = import_bundle(bundle_of(example("patient-example"), task), team=team)
    assert report.ok, report.summary_lines()
    saved = Task.objects.get()
    assert (saved.status, saved.owner, saved.due_on.isoformat()) == (ours, coordinator, "2030-01-15")
    if ours == Status.WAITING:
        assert (saved.waiting_reason, saved.waiting_until.isoformat()) == (
            WaitingReason.LAB_RESULT,
            "2030-01-15",
        )


def test_the_table_maps_each_of_our_statuses_out_and_back():
    for ours, fhir, also in mapping.TASK_STATUS_TABLE:
        assert mapping.TASK_STATUS_OUT[ours] == fhir
        assert mapping.TASK_STATUS_IN[fhir] == ours
        assert all(mapping.TASK_STATUS_IN[code] == ours for code in also)
    assert set(mapping.TASK_STATUS_OUT) == set(Status.values)


def test_an_unknown_status_is_refused_with_the_codes_we_take(team, coordinator):
    task = {
        "resourceType": "Task",
        "id": "t1",
        "status": "bogus",
        "intent": "order",
        "for": {"reference": "Patient/example"},
        "restriction": {"period": {"end": "2030-01-15"}},
    }
    report = import_bundle(bundle_of(example("patient-example"), task), team=team, default_owner=coordinator)
    assert not report.ok
    assert counts()["Patient"] == 0


# ---- references, skipping, all-or-nothing ------------------------------------------------------------


def test_a_task_for_an_existing_patient_is_resolved_by_identifier(coordinator, patient):
    task = {
        "resourceType": "Task",
        "id": "t1",
        "status": "ready",
        "intent": "order",
        "code": {"coding": [{"system": mapping.TASK_KIND_SYSTEM, "code": "outreach_call"}]},
        "description": "Call to book",
        "for": {"identifier": {"system": "urn:anything", "value": patient.mrn}},
        "owner": {"reference": "Practitioner/p1"},
        "restriction": {"period": {"end": "2030-01-15"}},
    }
    practitioner = {
        "resourceType": "Practitioner",
        "id": "p1",
        "identifier": [{"system": mapping.USERNAME_SYSTEM, "value": coordinator.username}],
    }
    report = import_bundle(bundle_of(practitioner, task))
    assert report.ok, report.summary_lines()
    saved = Task.objects.get()
    assert (saved.patient, saved.owner, saved.kind, saved.status) == (
        patient,
        coordinator,
        "outreach_call",
        Status.NEW,
    )


def test_unsupported_resources_are_reported_and_skipped_never_a_crash(team, coordinator):
    bundle = hl7_bundle()
    bundle["entry"].append(
        {"resource": {"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "x"}}}
    )
    bundle["entry"].append(
        {
            "resource": {
                "resourceType": "Goal",
                "id": "lonely",
                "lifecycleStatus": "active",
                "description": {"text": "x"},
                "subject": {"reference": "Patient/example"},
            }
        }
    )
    bundle["entry"].append({"resource": "not a resource"})
    bundle["entry"].pop()  # (a malformed entry is an error: tested below)
    report = import_bundle(bundle, team=team, default_owner=coordinator)
    assert report.ok, report.summary_lines()
    skipped = {issue.where for issue in report.skipped}
    assert {"Observation/o1", "Goal/lonely"} <= skipped


@pytest.mark.parametrize(
    "data",
    [
        "not json at all",
        {"resourceType": "Patient"},
        {"resourceType": "Bundle", "type": "history", "entry": []},
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": "x"}]},
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": {"resourceType": "Task", "status": 5}}],
        },
    ],
)
def test_a_malformed_bundle_is_refused_with_a_message(team, data):
    report = import_bundle(data, team=team)
    assert not report.ok and report.errors[0].message


def test_one_bad_resource_refuses_the_whole_bundle(team, coordinator):
    bundle = hl7_bundle()
    bad = example("task-example1")
    bad["id"] = "no-due-date"
    del bad["restriction"]
    bundle["entry"].append({"fullUrl": "http://hl7.org/fhir/Task/no-due-date", "resource": bad})
    report = import_bundle(bundle, team=team, default_owner=coordinator)
    assert not report.ok
    assert [(e.where, e.message) for e in report.errors] == [
        ("Task/no-due-date", "has no due date (restriction.period.end)")
    ]
    assert counts() == dict.fromkeys(counts(), 0)


def test_a_dry_run_reports_the_same_and_changes_nothing(team, coordinator):
    report = import_bundle(hl7_bundle(), team=team, default_owner=coordinator, dry_run=True)
    assert report.ok and report.created["Task"] == 1 and report.created["Patient"] == 1
    assert counts() == dict.fromkeys(counts(), 0)
    assert not Program.objects.filter(name="Weight management plan").exists()


def test_appointments_are_upserted_by_identifier_and_feed_the_schedule(team, coordinator, provider):
    """Upserted by identifier; moved, the open task dated from it moves with it (the scheduling
    feed, in the import's transaction); cancelled, it stays with its status and tells the owner."""
    appointment = {
        "resourceType": "Appointment",
        "id": "a1",
        "identifier": [{"system": "urn:ehr:appointments", "value": "42"}],
        "status": "booked",
        "start": "2030-03-01T10:30:00-05:00",
        "end": "2030-03-01T11:00:00-05:00",
        "participant": [
            {"actor": {"reference": "Patient/example"}, "status": "accepted"},
            {
                "actor": {"identifier": {"system": mapping.USERNAME_SYSTEM, "value": provider.username}},
                "status": "accepted",
            },
        ],
    }
    assert import_bundle(bundle_of(example("patient-example"), appointment), team=team).ok
    saved = Appointment.objects.get()
    assert (saved.provider, saved.source, saved.external_id) == (provider, "fhir", "urn:ehr:appointments|42")
    assert saved.status == AppointmentStatus.BOOKED
    template = CarePlanTemplateFactory(name="Visit follow-up")
    TemplateTaskFactory(
        template=template, title="Pre-visit labs", due_anchor=DueAnchor.NEXT_APPOINTMENT, due_offset_days=-2
    )
    patient = saved.patient
    starts_on = datetime.date(2030, 2, 1)
    apply_template(
        patient=patient,
        template=template,
        starts_on=starts_on,
        ends_on=None,
        by=coordinator,
        rows=preview(patient=patient, template=template, starts_on=starts_on),
        intake_key=uuid.uuid4(),
    )
    labs = Task.objects.get(title="Pre-visit labs")
    assert labs.due_on == datetime.date(2030, 2, 27)

    appointment["start"] = "2030-03-02T10:30:00-05:00"
    report = import_bundle(bundle_of(example("patient-example"), appointment), team=team)
    assert report.updated["Appointment"] == 1 and report.unchanged["Patient"] == 1
    moved = Appointment.objects.get()
    assert moved.pk == saved.pk and moved.starts_at.day == 2
    labs.refresh_from_db()
    assert labs.due_on == datetime.date(2030, 2, 28)
    assert "The appointment it is dated from moved from 03/01/2030 to 03/02/2030 (FHIR import)" in (
        labs.activities.latest("pk").body
    )
    again = import_bundle(bundle_of(example("patient-example"), appointment), team=team)
    assert again.unchanged["Appointment"] == 1

    appointment["status"] = "cancelled"
    import_bundle(bundle_of(example("patient-example"), appointment), team=team)
    assert Appointment.objects.get().status == AppointmentStatus.CANCELLED
    assert (
        Notification.objects.filter(recipient=labs.owner, kind=Kind.APPOINTMENT_CANCELLED, task=labs).count()
        == 1
    )


def test_an_owner_outside_the_patients_team_is_refused(team, outsider):
    report = import_bundle(hl7_bundle(), team=team, default_owner=outsider)
    assert not report.ok
    assert any("not an active member" in e.message for e in report.errors)
