"""State changes of CCM: consent recorded and revoked, time recorded, edited and adjusted, the
task panel's timer, a month closed by its export, a plan's checklist and the copy given.

Each is one function: it checks the right, locks what it changes, refuses with a message that
names the rule, saves with the acting user on the history row, all in one transaction."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from accounts.errors import ActionError, NotAllowed, RuleViolation
from careplans.models import CarePlan, Patient
from ccm import totals
from ccm.models import (
    ClosedMonth,
    Consent,
    EntryKind,
    PlanChecklist,
    RunningTimer,
    StaffCategory,
    TimeEntry,
)
from ccm.months import current_month, label, month_of

MAX_MINUTES = 600  # one entry: ten hours at most
TIME_DAYS_BACK = 366  # time is recorded within a year of the day it was spent


class VersionConflict(ActionError):
    rule = "version-conflict"


def staff_category_for(user) -> str:
    """Physician/QHP time for whoever holds ccm.qhp_time (providers), clinical staff otherwise."""
    return StaffCategory.PHYSICIAN if user.has_perm("ccm.qhp_time") else StaffCategory.CLINICAL


def closed(month: dt.date) -> ClosedMonth | None:
    return ClosedMonth.objects.filter(month=month).first()


def _history(obj, by, reason: str):
    obj._history_user = by
    obj._change_reason = reason


def _lock_patient(patient: Patient) -> None:
    # Consent periods of one patient are written one at a time (no overlap by a race).
    Patient.objects.select_for_update().filter(pk=patient.pk).first()


def covered(patient_id: int, day: dt.date) -> bool:
    return (
        Consent.objects.filter(patient_id=patient_id, consented_on__lte=day)
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=day))
        .exists()
    )


def refresh_billable(patient: Patient) -> int:
    """Each of the patient's entries billable exactly when a consent covers its day: after a
    consent is recorded or revoked. Two set-based UPDATEs."""
    cover = Consent.objects.filter(
        patient_id=OuterRef("patient_id"), consented_on__lte=OuterRef("performed_on")
    ).filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=OuterRef("performed_on")))
    entries = TimeEntry.objects.filter(patient=patient)
    changed = entries.filter(Exists(cover), billable=False).update(billable=True)
    changed += entries.exclude(Exists(cover)).filter(billable=True).update(billable=False)
    totals.recount(patient.pk)
    return changed


# ---- consent --------------------------------------------------------------------------------


def record_consent(patient: Patient, *, by, consented_on: dt.date, method: str) -> Consent:
    if not by.has_perm("ccm.manage_consent"):
        raise NotAllowed("You may not record CCM consent.")
    today = timezone.localdate()
    if consented_on > today:
        raise RuleViolation("Consent cannot be dated in the future.", rule="consent-not-future")
    if consented_on < today - dt.timedelta(days=TIME_DAYS_BACK):
        raise RuleViolation("Consent cannot be dated more than a year ago.", rule="consent-within-year")
    with transaction.atomic():
        _lock_patient(patient)
        consents = Consent.objects.filter(patient=patient)
        if consents.filter(revoked_on__isnull=True).exists():
            raise RuleViolation(
                "The patient already has CCM consent on record; revoke it first to record a new one.",
                rule="consent-one-open",
            )
        last = consents.exclude(revoked_on=None).order_by("-revoked_on").first()
        if last and consented_on < last.revoked_on:
            raise RuleViolation(
                f"Consent was revoked on {last.revoked_on:%m/%d/%Y}: a new consent starts that day or later.",
                rule="consent-periods-apart",
            )
        consent = Consent(patient=patient, consented_on=consented_on, method=method, recorded_by=by)
        _history(consent, by, "consent recorded")
        consent.save()
        refresh_billable(patient)
    return consent


def revoke_consent(patient: Patient, *, by, revoked_on: dt.date) -> Consent:
    """From `revoked_on` on, the patient's time is not billable (that day included)."""
    if not by.has_perm("ccm.manage_consent"):
        raise NotAllowed("You may not revoke CCM consent.")
    if revoked_on > timezone.localdate():
        raise RuleViolation("A revocation cannot be dated in the future.", rule="revocation-not-future")
    with transaction.atomic():
        _lock_patient(patient)
        consent = Consent.objects.filter(patient=patient, revoked_on__isnull=True).first()
        if consent is None:
            raise RuleViolation("The patient has no CCM consent to revoke.", rule="consent-open-to-revoke")
        if revoked_on < consent.consented_on:
            raise RuleViolation(
                f"Consent was given on {consent.consented_on:%m/%d/%Y}: it cannot be revoked before that.",
                rule="revocation-after-consent",
            )
        consent.revoked_on, consent.revoked_by = revoked_on, by
        _history(consent, by, "consent revoked")
        consent.save()
        refresh_billable(patient)
    return consent


# ---- time -----------------------------------------------------------------------------------


def _check_day(day: dt.date) -> None:
    today = timezone.localdate()
    if day > today:
        raise RuleViolation("Time cannot be recorded for a day in the future.", rule="time-not-future")
    if day < today - dt.timedelta(days=TIME_DAYS_BACK):
        raise RuleViolation("Time cannot be recorded more than a year back.", rule="time-within-year")


def _check_minutes(minutes: int) -> None:
    if not 1 <= minutes <= MAX_MINUTES:
        raise RuleViolation(f"Enter between 1 and {MAX_MINUTES} minutes.", rule="time-minutes-range")


def _refuse_closed(day: dt.date) -> None:
    shut = closed(month_of(day))
    if shut:
        raise RuleViolation(
            f"{label(shut.month)} is closed: its billing was exported on "
            f"{timezone.localdate(shut.closed_at):%m/%d/%Y}. Record an adjustment with its reason instead.",
            rule="month-closed",
        )


def add_time(
    patient: Patient, *, by, performed_on: dt.date, minutes: int, description: str, task=None
) -> TimeEntry:
    if not by.has_perm("ccm.record_time"):
        raise NotAllowed("You may not record CCM time.")
    if task is not None and task.patient_id != patient.pk:
        raise RuleViolation("That task is another patient's.", rule="time-task-of-patient")
    _check_day(performed_on)
    _check_minutes(minutes)
    if not description.strip():
        raise RuleViolation("Say what was done.", rule="time-description")
    with transaction.atomic():
        _lock_patient(patient)  # a consent recorded meanwhile would miss this entry
        _refuse_closed(performed_on)
        entry = TimeEntry(
            patient=patient,
            task=task,
            author=by,
            performed_on=performed_on,
            minutes=minutes,
            description=description.strip(),
            staff_category=staff_category_for(by),
            billable=covered(patient.pk, performed_on),
        )
        _history(entry, by, "time recorded")
        entry.save()
        totals.recount(patient.pk)
    return entry


def can_edit(user, entry: TimeEntry) -> bool:
    """The author, within the entry's month, while that month is open."""
    return (
        entry.kind == EntryKind.TIME
        and entry.author_id == user.pk
        and user.has_perm("ccm.record_time")
        and month_of(entry.performed_on) == current_month()
        and closed(month_of(entry.performed_on)) is None
    )


def can_adjust(user, entry: TimeEntry) -> bool:
    """A correction of an entry its author can no longer edit: its month is over or closed."""
    return (
        entry.kind == EntryKind.TIME
        and user.has_perm("ccm.record_time")
        and (
            month_of(entry.performed_on) != current_month()
            or closed(month_of(entry.performed_on)) is not None
        )
    )


def edit_time(
    entry: TimeEntry, *, by, version: int, performed_on: dt.date, minutes: int, description: str
) -> TimeEntry:
    _check_minutes(minutes)
    if not description.strip():
        raise RuleViolation("Say what was done.", rule="time-description")
    with transaction.atomic():
        locked = TimeEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.author_id != by.pk or not by.has_perm("ccm.record_time"):
            raise NotAllowed("Only the person who recorded this time may edit it.")
        _refuse_closed(locked.performed_on)
        if locked.kind != EntryKind.TIME or month_of(locked.performed_on) != current_month():
            raise RuleViolation(
                "Time is edited only within its month; correct an earlier month with an adjustment and its reason.",
                rule="time-edit-in-month",
            )
        if month_of(performed_on) != month_of(locked.performed_on):
            raise RuleViolation("An edit keeps the time in its month.", rule="time-edit-same-month")
        _check_day(performed_on)
        if locked.version != version:
            raise VersionConflict("This entry changed since you opened it. Reload; nothing was saved.")
        locked.performed_on, locked.minutes, locked.description = performed_on, minutes, description.strip()
        locked.version += 1
        locked.billable = covered(locked.patient_id, performed_on)
        _history(locked, by, "time edited")
        locked.save()
        totals.recount(locked.patient_id)
    return locked


def adjust_time(entry: TimeEntry, *, by, minutes: int, reason: str) -> TimeEntry:
    """An adjustment entry: `minutes` added to (or, negative, taken from) `entry`'s month, in its
    staff category, with the reason. The entry and its adjustments never total below zero."""
    if not reason.strip():
        raise RuleViolation("An adjustment needs its reason.", rule="adjustment-reason")
    if minutes == 0 or abs(minutes) > MAX_MINUTES:
        raise RuleViolation(
            f"Enter a change of 1 to {MAX_MINUTES} minutes, negative to take time off.",
            rule="adjustment-minutes",
        )
    with transaction.atomic():
        locked = TimeEntry.objects.select_for_update().get(pk=entry.pk)
        if not can_adjust(by, locked):
            if not by.has_perm("ccm.record_time") or locked.kind != EntryKind.TIME:
                raise NotAllowed("You may not adjust this entry.")
            raise RuleViolation(
                "This month is still open: the author edits the entry instead.", rule="adjust-closed-months"
            )
        adjusted = locked.minutes + (locked.adjustments.aggregate(n=Sum("minutes"))["n"] or 0)
        if adjusted + minutes < 0:
            raise RuleViolation(
                f"The entry stands at {adjusted} minutes: it cannot go below zero.",
                rule="adjustment-not-below-zero",
            )
        adjustment = TimeEntry(
            patient_id=locked.patient_id,
            task_id=locked.task_id,
            author=by,
            performed_on=locked.performed_on,
            minutes=minutes,
            description=f"Adjustment of the entry of {locked.performed_on:%m/%d/%Y}",
            staff_category=locked.staff_category,
            kind=EntryKind.ADJUSTMENT,
            adjusts=locked,
            reason=reason.strip(),
            billable=locked.billable,
        )
        _history(adjustment, by, "adjustment recorded")
        adjustment.save()
        totals.recount(locked.patient_id)
    return adjustment


# ---- the timer ------------------------------------------------------------------------------


class TimerRunningElsewhere(RuleViolation):
    """A start refused because the person's timer runs on another task; `timer` is that one, so
    the page can link to it (stop it there, or discard it)."""

    rule = "one-timer-per-user"

    def __init__(self, timer: RunningTimer):
        super().__init__(
            "Your CCM timer is already running on another task: one timer at a time, since nobody "
            "is on two calls at once (rule: one-timer-per-user). Stop or discard that timer first."
        )
        self.timer = timer


def start_timer(task, *, by) -> RunningTimer:
    """Starts the user's timer on `task`; a second start keeps the first one's time. A person has
    one timer: a start while theirs runs on another task is refused. The row is inserted first and
    the unique key on the user settles it, so two starts at once (two tabs, a double click) cannot
    both stand, whichever commits first."""
    if not by.has_perm("ccm.record_time"):
        raise NotAllowed("You may not record CCM time.")
    try:
        with transaction.atomic():
            return RunningTimer.objects.create(user=by, task=task, started_at=timezone.now())
    except IntegrityError:  # the user's timer already runs: here (keep it) or elsewhere (refuse)
        running = RunningTimer.objects.select_related("task__patient").get(user=by)
    if running.task_id != task.pk:
        raise TimerRunningElsewhere(running)
    return running


def timer_minutes(seconds: float) -> int:
    """A timer's seconds as whole minutes, to the nearest (half up: 4:29 is 4, 4:30 is 5).
    Rounding every call up would bill time nobody spent, a compliance risk on Medicare claims;
    under 30 seconds is 0, and records nothing."""
    return max(0, int((seconds + 30) // 60))


def stop_timer(task, *, by, description: str, now: dt.datetime | None = None) -> TimeEntry | None:
    """The minutes since the start, to the nearest minute (timer_minutes), on the day it started,
    as a time entry on the task. Under 30 seconds the timer stops and records nothing (None)."""
    if not description.strip():
        raise RuleViolation("Say what was done before stopping the timer.", rule="time-description")
    with transaction.atomic():
        timer = RunningTimer.objects.select_for_update().filter(user=by, task=task).first()
        if timer is None:
            raise RuleViolation("No timer is running on this task.", rule="timer-running")
        minutes = timer_minutes(((now or timezone.now()) - timer.started_at).total_seconds())
        if minutes > MAX_MINUTES:
            raise RuleViolation(
                "The timer ran more than ten hours: discard it and enter the time by hand.",
                rule="timer-too-long",
            )
        entry = None
        if minutes:
            entry = add_time(
                task.patient,
                by=by,
                performed_on=timezone.localdate(timer.started_at),
                minutes=minutes,
                description=description,
                task=task,
            )
        timer.delete()
    return entry


def discard_timer(task, *, by) -> None:
    RunningTimer.objects.filter(user=by, task=task).delete()


def discard_own_timer(*, by) -> None:
    """The user's running timer, wherever it runs: from any task panel, when the timer's own task
    is one they can no longer open (moved to another team). Only their own row goes."""
    RunningTimer.objects.filter(user=by).delete()


# ---- closing a month ------------------------------------------------------------------------


def close_month(month: dt.date, *, by) -> ClosedMonth:
    """Exporting a month's billing closes it (a second export finds it closed)."""
    if not by.has_perm("ccm.export_billing"):
        raise NotAllowed("You may not export CCM billing.")
    if month > current_month():
        raise RuleViolation("A month that has not begun cannot be exported.", rule="export-not-future")
    with transaction.atomic():
        shut, created = ClosedMonth.objects.get_or_create(month=month, defaults={"closed_by": by})
        if created:
            _history(shut, by, "month closed by its export")
    return shut


# ---- the plan's checklist -------------------------------------------------------------------


def _checklist(plan: CarePlan) -> PlanChecklist:
    checklist, _ = PlanChecklist.objects.get_or_create(care_plan=plan)
    return PlanChecklist.objects.select_for_update().get(pk=checklist.pk)


def mark_checklist(
    plan: CarePlan, *, by, version: int, is_complex: bool, marked: dict[str, bool]
) -> PlanChecklist:
    """A provider marks the elements met and whether the plan is complex."""
    from ccm.checklist import ELEMENT_FIELDS

    if not by.has_perm("careplans.edit_clinical"):
        raise NotAllowed("Only providers mark a care plan's CMS elements.")
    with transaction.atomic():
        checklist = _checklist(plan)
        if checklist.version != version:
            raise VersionConflict(
                "Someone changed this checklist since you opened it. Reload; nothing was saved."
            )
        checklist.is_complex = is_complex
        for name in ELEMENT_FIELDS:
            setattr(checklist, name, bool(marked.get(name)))
        checklist.version += 1
        _history(checklist, by, "checklist marked")
        checklist.save()
    return checklist


def record_copy(plan: CarePlan, *, by, given_on: dt.date, method: str) -> PlanChecklist:
    """The copy of the plan given to the patient: when, and how."""
    if not (by.has_perm("ccm.manage_consent") or by.has_perm("careplans.edit_clinical")):
        raise NotAllowed("You may not record the copy of the plan given to the patient.")
    if given_on > timezone.localdate():
        raise RuleViolation("The copy cannot be dated in the future.", rule="copy-not-future")
    if given_on < plan.starts_on - dt.timedelta(days=TIME_DAYS_BACK):
        raise RuleViolation("That date is long before the plan.", rule="copy-near-plan")
    with transaction.atomic():
        checklist = _checklist(plan)
        checklist.copy_given_on, checklist.copy_method = given_on, method
        checklist.version += 1
        _history(checklist, by, "copy given to the patient")
        checklist.save()
    return checklist
