"""The scheduling feed: an appointment imported again with a new time moves the open tasks dated
from it (their timeline says why); cancelled, their owners are told; a no-show creates the
plan's missed-appointment outreach."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from accounts.roles import Role
from careplans.models import AppointmentStatus, DueAnchor
from integrations.scheduling import AppointmentState, appointment_changed
from notifications.models import Kind, Notification
from tasks.choices import ActivityKind, TaskKind
from tasks.intake import apply_template, preview
from tasks.models import Task
from tests.factories import AppointmentFactory, CarePlanTemplateFactory, TemplateTaskFactory, in_days


def _at(day: datetime.date, hour=10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 30)))


@pytest.fixture
def template(db):
    template = CarePlanTemplateFactory(name="Diabetes follow-up")
    TemplateTaskFactory(
        template=template,
        title="Pre-visit labs reminder",
        due_anchor=DueAnchor.NEXT_APPOINTMENT,
        due_offset_days=-2,
    )
    TemplateTaskFactory(
        template=template,
        title="After-visit check-in",
        due_anchor=DueAnchor.NEXT_APPOINTMENT,
        due_offset_days=3,
    )
    TemplateTaskFactory(
        template=template, title="Welcome call", due_anchor=DueAnchor.PLAN_START, due_offset_days=1
    )
    return template


@pytest.fixture
def visit(patient):
    return AppointmentFactory(patient=patient, starts_at=_at(in_days(10)), source="athena", external_id="V-1")


@pytest.fixture
def plan(patient, template, visit, coordinator):
    planned = preview(patient=patient, template=template, starts_on=timezone.localdate())
    return apply_template(
        patient=patient,
        template=template,
        starts_on=timezone.localdate(),
        ends_on=None,
        by=coordinator,
        rows=planned,
        intake_key=uuid.uuid4(),
    ).plan


def _import(write, row: str):
    path = write("Appointment ID,MRN,Start,Status\n" + row + "\n", name=f"{uuid.uuid4().hex}.csv")
    call_command("import_rows", "appointments", str(path), "--source", "athena")


def test_moving_the_appointment_moves_the_tasks_dated_from_it(write, patient, plan, visit):
    labs = Task.objects.get(title="Pre-visit labs reminder")
    check_in = Task.objects.get(title="After-visit check-in")
    welcome = Task.objects.get(title="Welcome call")
    assert labs.due_on == in_days(8)

    _import(write, f"V-1,{patient.mrn},{in_days(17):%m/%d/%Y} 09:00,booked")

    labs.refresh_from_db()
    check_in.refresh_from_db()
    assert (labs.due_on, check_in.due_on) == (in_days(15), in_days(20))
    assert labs.version == 2
    assert Task.objects.get(pk=welcome.pk).due_on == welcome.due_on  # dated from the plan start
    activity = labs.activities.get(kind=ActivityKind.RESCHEDULE)
    assert activity.body.startswith(
        f"Due date: {in_days(8):%m/%d/%Y} → {in_days(15):%m/%d/%Y}. The appointment it is dated from moved from {in_days(10):%m/%d/%Y} to {in_days(17):%m/%d/%Y} (Import run #"
    )
    assert labs.history.first().history_change_reason.startswith("Appointment moved (Import run #")


def test_a_task_rescheduled_by_hand_keeps_its_date(write, patient, plan, visit):
    labs = Task.objects.get(title="Pre-visit labs reminder")
    Task.objects.filter(pk=labs.pk).update(due_on=in_days(5))

    _import(write, f"V-1,{patient.mrn},{in_days(17):%m/%d/%Y} 09:00,booked")

    assert Task.objects.get(pk=labs.pk).due_on == in_days(5)


def test_moving_earlier_is_a_change_and_the_same_file_again_moves_nothing(write, patient, plan, visit):
    row = f"V-1,{patient.mrn},{in_days(6):%m/%d/%Y} 09:00,booked"
    _import(write, row)
    labs = Task.objects.get(title="Pre-visit labs reminder")
    assert labs.due_on == in_days(4)
    assert labs.activities.filter(kind=ActivityKind.CHANGE).count() == 1

    _import(write, row)

    assert Task.objects.get(pk=labs.pk).version == labs.version


def test_cancelling_tells_the_owners_once(write, patient, plan, visit, coordinator):
    _import(write, f"V-1,{patient.mrn},{in_days(10):%m/%d/%Y} 10:30,cancelled")

    notices = Notification.objects.filter(kind=Kind.APPOINTMENT_CANCELLED)
    assert sorted(notices.values_list("task__title", "recipient__username")) == [
        ("After-visit check-in", "coordinator"),
        ("Pre-visit labs reminder", "coordinator"),
    ]
    assert notices.first().headline == "An appointment a task of yours is dated from was cancelled"
    assert Task.objects.get(title="Pre-visit labs reminder").due_on == in_days(8)  # the owner decides


def test_a_no_show_creates_the_missed_appointment_outreach(patient, template, plan, visit, front_desk):
    TemplateTaskFactory(
        template=template,
        title="Call to rebook the missed visit",
        kind=TaskKind.OUTREACH_CALL,
        due_anchor=DueAnchor.MISSED_APPOINTMENT,
        due_offset_days=1,
        assignee_group=Group.objects.get(name=Role.FRONT_DESK),
    )
    assert not Task.objects.filter(title="Call to rebook the missed visit").exists()  # not made at intake
    before = AppointmentState.of(visit)
    visit.status = AppointmentStatus.NO_SHOW
    visit.save()

    outcome = appointment_changed(before, visit, by=None, reason="FHIR import")
    again = appointment_changed(AppointmentState.of(visit), visit, by=None, reason="FHIR import")

    call = Task.objects.get(title="Call to rebook the missed visit")
    assert outcome.outreach == [call] and again.outreach == []
    assert (call.owner, call.due_on, call.care_plan) == (front_desk, in_days(11), plan)
    assert "Missed appointment on" in call.activities.get(kind=ActivityKind.CREATED).body


def test_a_new_appointment_is_imported_with_its_status(write, patient):
    _import(write, f"N-1,{patient.mrn},{in_days(3):%m/%d/%Y} 2:30 PM,Scheduled")
    made = patient.appointments.get(external_id="N-1")
    assert (made.source, made.status, timezone.localtime(made.starts_at).time()) == (
        "athena",
        "booked",
        datetime.time(14, 30),
    )
    assert made.history.get().history_change_reason.startswith("Import run #")
