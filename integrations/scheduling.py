"""The scheduling feed: what an appointment's change does to the work dated from it.

One entry point, `appointment_changed(before, after, by=, reason=)`, for every way an appointment
arrives (the spreadsheet import, FHIR), called in the caller's transaction after the appointment
is saved:

- moved: the open tasks whose due date was computed from it (a template step "N days from the
  next appointment", first occurrence, due date still the one computed) move with it, each
  through the task's own write path (locked, version bumped, history and an Activity saying why);
  a task someone rescheduled by hand keeps its date;
- cancelled: the owners of those tasks are told (a notice in the inbox); the tasks stay, their
  owners decide;
- no-show: each active plan of the patient whose template has a missed-appointment step gets
  that step's outreach task, dated from the missed day (never twice for one appointment).

Which appointment a task was dated from is not stored: intake dates a plan's appointment steps
from the patient's first kept appointment on or after the plan's start (tasks.intake.
next_appointment); the same rule, applied to the appointment as it stood before the change, finds
them again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Value
from django.utils import timezone

from careplans.dates import WorkCalendar
from careplans.models import (
    UNKEPT_APPOINTMENT,
    Appointment,
    AppointmentStatus,
    CarePlanStatus,
    DueAnchor,
    DueUnit,
    TemplateTask,
)
from notifications.actions import COLUMNS, insert_notices, wants_email_now
from notifications.jobs import queue_emails
from notifications.models import Kind
from tasks.actions import RuleViolation, create_task
from tasks.choices import FRONT_DESK_KINDS, OPEN_STATUSES, ActivityKind
from tasks.intake import candidates_by_role, resolve_owner
from tasks.models import Task
from tasks.transitions import lock_row, record, save_row


@dataclass(frozen=True)
class AppointmentState:
    """An appointment as it stood before a change."""

    pk: int
    patient_id: int
    starts_at: datetime.datetime
    status: str

    @classmethod
    def of(cls, appointment: Appointment) -> AppointmentState:
        return cls(appointment.pk, appointment.patient_id, appointment.starts_at, appointment.status)


@dataclass
class Outcome:
    moved: list[Task]
    told: int
    outreach: list[Task]


def due_from(
    anchor: datetime.date, step: TemplateTask, calendar: WorkCalendar | None = None
) -> datetime.date:
    """A step's due date from its anchor day, as intake computes it."""
    if step.due_offset_unit == DueUnit.BUSINESS_DAYS:
        calendar = calendar or WorkCalendar.covering([anchor], [step.due_offset_days])
        return calendar.add_business_days(anchor, step.due_offset_days)
    return anchor + datetime.timedelta(days=step.due_offset_days)


def anchored_tasks(before: AppointmentState) -> list[Task]:
    """The open tasks whose due date was computed from the appointment as it stood `before`."""
    day = timezone.localdate(before.starts_at)
    candidates = (
        Task.objects.filter(
            patient_id=before.patient_id,
            status__in=OPEN_STATUSES,
            occurrence=1,
            care_plan__starts_on__lte=day,
            template_task__due_anchor=DueAnchor.NEXT_APPOINTMENT,
        )
        .select_related("template_task", "care_plan")
        .order_by("pk")
    )
    found, anchors = [], {}
    for task in candidates:
        plan = task.care_plan
        if plan.pk not in anchors:
            start = timezone.make_aware(datetime.datetime.combine(plan.starts_on, datetime.time.min))
            earlier = (
                Appointment.objects.filter(
                    patient_id=before.patient_id, starts_at__gte=start, starts_at__lt=before.starts_at
                )
                .exclude(pk=before.pk)
                .exclude(status__in=UNKEPT_APPOINTMENT)
                .exists()
            )
            anchors[plan.pk] = not earlier
        if anchors[plan.pk] and task.due_on == due_from(day, task.template_task):
            found.append(task)
    return found


def appointment_changed(before: AppointmentState | None, after: Appointment, *, by, reason: str) -> Outcome:
    outcome = Outcome(moved=[], told=0, outreach=[])
    was_kept = before is not None and before.status not in UNKEPT_APPOINTMENT
    if was_kept and after.status not in UNKEPT_APPOINTMENT:
        old_day, new_day = timezone.localdate(before.starts_at), timezone.localdate(after.starts_at)
        if old_day != new_day:
            outcome.moved = _move(anchored_tasks(before), old_day, new_day, by=by, reason=reason)
    if was_kept and after.status == AppointmentStatus.CANCELLED:
        outcome.told = _tell_owners(anchored_tasks(before), day=timezone.localdate(before.starts_at))
    if after.status == AppointmentStatus.NO_SHOW and (
        before is None or before.status != AppointmentStatus.NO_SHOW
    ):
        outcome.outreach = _missed_outreach(after, by=by, reason=reason)
    return outcome


def _move(tasks: list[Task], old_day, new_day, *, by, reason: str) -> list[Task]:
    moved = []
    why = f"The appointment it is dated from moved from {old_day:%m/%d/%Y} to {new_day:%m/%d/%Y} ({reason})."
    for task in tasks:
        locked = lock_row(task, None)
        new_due = due_from(new_day, task.template_task)
        if locked.status not in OPEN_STATUSES or locked.due_on == new_due:
            continue
        line = f"Due date: {locked.due_on:%m/%d/%Y} → {new_due:%m/%d/%Y}. {why}"
        later = new_due > locked.due_on
        locked.due_on = new_due
        save_row(locked, by=by, reason=f"Appointment moved ({reason})")
        record(locked, kind=ActivityKind.RESCHEDULE if later else ActivityKind.CHANGE, by=by, body=line)
        moved.append(locked)
    return moved


def _tell_owners(tasks: list[Task], *, day: datetime.date) -> int:
    """One notice per task to its owner, keyed on the appointment's day: a cancellation read
    twice (a re-import, FHIR after the spreadsheet) tells nobody twice."""
    if not tasks:
        return 0
    now = timezone.now()
    rows = Task.objects.filter(pk__in=[t.pk for t in tasks]).values_list(
        "owner_id",
        "pk",
        Value(str(Kind.APPOINTMENT_CANCELLED)),
        Value(0),
        Value(day),
        wants_email_now("owner__"),
        Value(now),
    )
    created = insert_notices(rows, columns=COLUMNS)
    queue_emails(created)
    return len(created)


def _missed_outreach(appointment: Appointment, *, by, reason: str) -> list[Task]:
    """The missed-appointment step of each active plan of the patient, as a task dated from the
    missed day (today at the earliest), its occurrence the next of that step in the plan. Made
    when the appointment becomes a no-show (appointment_changed), so the same appointment read
    again, unchanged, makes nothing twice."""
    patient = appointment.patient
    if patient.deceased_on:
        return []
    steps = list(
        TemplateTask.objects.filter(
            due_anchor=DueAnchor.MISSED_APPOINTMENT,
            template__care_plans__patient=patient,
            template__care_plans__status=CarePlanStatus.ACTIVE,
        )
        .select_related("assignee_group")
        .distinct()
    )
    if not steps:
        return []
    plans = {
        plan.template_id: plan
        for plan in patient.care_plans.filter(status=CarePlanStatus.ACTIVE).order_by("starts_on", "pk")
    }
    by_role = candidates_by_role(patient)
    day = timezone.localdate(appointment.starts_at)
    made = []
    for step in steps:
        plan = plans.get(step.template_id)
        owner = resolve_owner(step.assignee_group_id, patient, by_role)
        if plan is None or owner is None:
            continue
        if step.kind not in FRONT_DESK_KINDS and not owner.works_clinical:
            continue
        number = Task.objects.filter(care_plan=plan, template_task=step).count() + 1
        due = max(due_from(day, step), timezone.localdate())
        try:
            made.append(
                create_task(
                    patient=patient,
                    by=by,
                    title=step.title,
                    kind=step.kind,
                    owner=owner,
                    due_on=due,
                    priority=step.priority,
                    care_plan=plan,
                    template_task=step,
                    occurrence=number,
                    note=f"Missed appointment on {day:%m/%d/%Y} ({reason}).",
                )
            )
        except RuleViolation:
            continue  # a plan whose window refuses the date: the owner hears of the no-show by the queue
    return made
