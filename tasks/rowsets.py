"""Which tasks a word means: "overdue", "due today", "upcoming", "wait ended", "completed on
time", "closed in the period", "reassigned", and whose work a slice is. Each rule is written here
once, as a condition (Q) or a function narrowing a Task queryset, and everything that says the
word uses it: the queues and their filters (tasks.filters), My work, the task and patient pages
(through the flags `with_due_flags` annotates), the digest, escalation and the dashboard. So a
dashboard figure, the queue it links to and the digest cannot disagree. None widens
`visible_to(user)`.

Days are the practice's (settings.TIME_ZONE): a day runs from its local midnight to the next,
whatever the UTC offset, so windows stay right across daylight saving changes.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.scope import managed_team_ids
from tasks.choices import OPEN_STATUSES, ActivityKind, Status
from tasks.models import Activity, Task


class Scope(models.TextChoices):
    """Whose work a dashboard shows, by role: managers answer for their teams, providers for their
    patients' plans, coordinators and assistants for their own tasks."""

    TEAMS = "teams", "Teams I manage"
    MY_PATIENTS = "my_patients", "My patients' tasks"
    MINE = "mine", "My tasks"


def scope_for(user) -> Scope:
    """By right, never by role name (an admin may rename a role): the rights are read with the
    user's other model rights, in the query every page makes anyway."""
    if user.has_perm("tasks.view_team_dashboard"):
        return Scope.TEAMS
    if user.has_perm("tasks.view_patients_dashboard"):
        return Scope.MY_PATIENTS
    return Scope.MINE


def scope_condition(*, user, scope: str, team_ids: tuple[int, ...] | None = None, task: str = "") -> Q:
    """Whose work, as a condition on tasks, or (task="task__") on Activity rows, which carry
    their task's care team and patient themselves. `team_ids`: the user's managed teams when
    the caller has them loaded already; a list of ids lets PostgreSQL range-scan the team
    indexes, where a subquery makes it scan them all."""
    if scope == Scope.TEAMS:
        return Q(care_team__in=managed_team_ids(user) if team_ids is None else team_ids)
    if scope == Scope.MY_PATIENTS:
        return Q(patient__primary_provider=user)
    if scope == Scope.MINE:
        return Q(**{f"{task}owner": user})
    raise ValueError(scope)


def in_scope(tasks, *, user, scope: str, team_ids: tuple[int, ...] | None = None):
    return tasks.filter(scope_condition(user=user, scope=scope, team_ids=team_ids))


# ---- days in the practice's time zone -----------------------------------------------------------


def day_start(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of `day`, as an aware datetime (23 or 25 hours from the next
    one on a daylight saving change)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


def week_start(today: datetime.date) -> datetime.date:
    """Monday of `today`'s week."""
    return today - datetime.timedelta(days=today.weekday())


def window_q(
    field: str,
    first: datetime.date | None,
    last: datetime.date | None,
    *,
    not_before: datetime.datetime | None = None,
) -> Q:
    """`field` (a timestamp) falls on a local day from `first` to `last`, both included; an
    omitted end leaves that side open. `not_before`: and not before that instant (the dashboard
    counts live only what its daily rows do not hold: dashboards.flow_days)."""
    q = Q()
    if first is not None:
        since = day_start(first)
        q &= Q(**{f"{field}__gte": max(since, not_before) if not_before else since})
    if last is not None:
        q &= Q(**{f"{field}__lt": day_start(last + datetime.timedelta(days=1))})
    return q


# ---- open work ----------------------------------------------------------------------------------
# Windows over open work. Each condition includes "open": a completed or cancelled task is never
# overdue, due today or upcoming, wherever it is shown or counted.

OPEN = Q(status__in=OPEN_STATUSES)
# Work in hand (New or In progress): My work and the digest list a Waiting task under Waiting
# only, even past its due date, so a task never shows twice; dashboards count it as overdue.
ACTIVE = Q(status__in=(Status.NEW, Status.IN_PROGRESS))
WAITING = Q(status=Status.WAITING)
UPCOMING_DAYS = 7


def overdue_q(today: datetime.date) -> Q:
    """Open, due before today (practice time)."""
    return OPEN & Q(due_on__lt=today)


def due_today_q(today: datetime.date) -> Q:
    return OPEN & Q(due_on=today)


def upcoming_q(today: datetime.date, days: int = UPCOMING_DAYS) -> Q:
    """Open, due after today and within `days`."""
    return OPEN & Q(due_on__gt=today, due_on__lte=today + datetime.timedelta(days=days))


def later_q(today: datetime.date, days: int = UPCOMING_DAYS) -> Q:
    return OPEN & Q(due_on__gt=today + datetime.timedelta(days=days))


def wait_ended_q(today: datetime.date) -> Q:
    """Waiting past its waiting-until date: back to its owner's attention."""
    return WAITING & Q(waiting_until__lt=today)


def needs_attention_q(today: datetime.date) -> Q:
    """Work in hand, or a wait that has ended, that can be done now: what the overdue notices
    and escalation chase. A step still waiting for an earlier open one (blocked_q) is left to
    that earlier step, which is chased itself: its owner cannot complete it yet."""
    return (ACTIVE | wait_ended_q(today)) & ~blocked_q()


def blocked_q() -> Q:
    """A step whose earlier step (a template's dependency) is still open."""
    return Q(Exists(Task.objects.filter(pk=OuterRef("depends_on_id"), status__in=OPEN_STATUSES)))


class DueWindow(models.TextChoices):
    """The queue's `due` filter: each window is one of the conditions above."""

    OVERDUE = "overdue", "Overdue"
    TODAY = "today", "Due today"
    NEXT_7 = "next7", "Due in the next 7 days"
    WAIT_ENDED = "wait_ended", "Waiting past its date"


WINDOW_Q = {
    DueWindow.OVERDUE: overdue_q,
    DueWindow.TODAY: due_today_q,
    DueWindow.NEXT_7: upcoming_q,
    DueWindow.WAIT_ENDED: wait_ended_q,
}


def in_window(tasks, window: str, today: datetime.date):
    return tasks.filter(WINDOW_Q[window](today))


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def with_due_flags(tasks, today: datetime.date):
    """Rows that carry `is_overdue` and `is_wait_ended`, computed by the database from the
    conditions above, for the pages to show: no second copy of the rule in Python or a template."""
    return tasks.annotate(is_overdue=_flag(overdue_q(today)), is_wait_ended=_flag(wait_ended_q(today)))


# The sections of a person's own open work (My work, the digest): a partition, so each open task
# is in exactly one section.
MY_WORK_SECTIONS = {
    "overdue": lambda today: ACTIVE & overdue_q(today),
    "due_today": lambda today: ACTIVE & due_today_q(today),
    "upcoming": lambda today: ACTIVE & upcoming_q(today),
    "later": lambda today: ACTIVE & later_q(today),
    "waiting": lambda today: WAITING,
}


# ---- completions and closings -------------------------------------------------------------------


def completed_between(tasks, first: datetime.date | None, last: datetime.date | None):
    """Completed tasks whose (latest) completion fell on a day from `first` to `last`."""
    return tasks.filter(window_q("completed_at", first, last), status=Status.COMPLETED)


def with_completed_on(tasks):
    """`completed_on`: the practice-time day of the (latest) completion."""
    return tasks.alias(completed_on=TruncDate("completed_at", tzinfo=timezone.get_default_timezone()))


# On a completed task with `completed_on`: on or before the due date (completed on its due day,
# up to 23:59:59.999999 practice time, is on time), or after it.
ON_TIME = Q(completed_on__lte=F("due_on"))
LATE = Q(completed_on__gt=F("due_on"))


def on_time(tasks):
    return with_completed_on(tasks).filter(ON_TIME, status=Status.COMPLETED)


def late(tasks):
    return with_completed_on(tasks).filter(LATE, status=Status.COMPLETED)


def _cancellations(first: datetime.date | None, last: datetime.date | None, not_before=None):
    return Activity.objects.filter(
        window_q("created_at", first, last, not_before=not_before),
        kind=ActivityKind.STATUS_CHANGE,
        to_status=Status.CANCELLED,
    ).values("task_id")


def completed_in_q(first: datetime.date | None, last: datetime.date | None, *, not_before=None) -> Q:
    return Q(status=Status.COMPLETED) & window_q("completed_at", first, last, not_before=not_before)


def cancelled_in_q(first: datetime.date | None, last: datetime.date | None, *, not_before=None) -> Q:
    """Cancelled now, its latest cancellation on a day from `first` to `last` (and, with
    `not_before`, that cancellation not before that instant)."""
    cancelled = Q(status=Status.CANCELLED, pk__in=_cancellations(first, last, not_before))
    if last is not None:
        cancelled &= ~Q(pk__in=_cancellations(last + datetime.timedelta(days=1), None))
    return cancelled


def closed_between(tasks, first: datetime.date | None, last: datetime.date | None):
    """Tasks closed now whose latest closing fell on a day from `first` to `last`: completed ones
    by their completion time, cancelled ones by their cancellation in the timeline (a cancelled
    task carries no timestamp of its own). Reopened and closed again, a task counts on the day of
    its last closing. (The dashboard counts the two halves apart, each from its own index.)"""
    return tasks.filter(completed_in_q(first, last) | cancelled_in_q(first, last))


def reassignments():
    return Activity.objects.filter(kind=ActivityKind.REASSIGNMENT)


def reassigned_q() -> Q:
    """Reassigned at least once in its life. (An uncorrelated subquery: PostgreSQL hashes the
    reassigned task ids once rather than probing the timeline per task.)"""
    return Q(pk__in=reassignments().values("task_id"))


def reassigned(tasks):
    return tasks.filter(reassigned_q())


def reschedules():
    """Due dates moved later (tasks.actions.change_task); one moved earlier is a plain change."""
    return Activity.objects.filter(kind=ActivityKind.RESCHEDULE)


def rescheduled_q() -> Q:
    """Rescheduled at least once in its life (as reassigned_q)."""
    return Q(pk__in=reschedules().values("task_id"))


def status_exits(
    first: datetime.date | None, last: datetime.date | None, *, status: str | None = None, not_before=None
):
    """Timeline rows where a task left an open status, on a day from `first` to `last` (and not
    before the instant `not_before`)."""
    exits = Activity.objects.filter(
        window_q("created_at", first, last, not_before=not_before),
        kind=ActivityKind.STATUS_CHANGE,
        from_status__in=OPEN_STATUSES,
    )
    return exits.filter(from_status=status) if status else exits


def left_status_between(tasks, status: str, first: datetime.date | None, last: datetime.date | None):
    """Tasks that left `status` at least once on a day from `first` to `last`, whatever their
    status now: the sample behind that status's time-in-status figures."""
    return tasks.filter(pk__in=status_exits(first, last, status=status).values("task_id"))


class Event(models.TextChoices):
    """What happened to a task on a day of the chosen window (queue filter `event`)."""

    COMPLETED = "completed", "Completed"
    CLOSED = "closed", "Closed (completed or cancelled)"
    LEFT_NEW = "left_new", "Moved on from New"
    LEFT_IN_PROGRESS = "left_in_progress", "Moved on from In progress"
    LEFT_WAITING = "left_waiting", "Moved on from Waiting"


LEFT_STATUS = {
    Event.LEFT_NEW: Status.NEW,
    Event.LEFT_IN_PROGRESS: Status.IN_PROGRESS,
    Event.LEFT_WAITING: Status.WAITING,
}
EVENT_FOR_STATUS = {status: event for event, status in LEFT_STATUS.items()}


def with_event(tasks, event: str, first: datetime.date | None, last: datetime.date | None):
    if event == Event.COMPLETED:
        return completed_between(tasks, first, last)
    if event == Event.CLOSED:
        return closed_between(tasks, first, last)
    return left_status_between(tasks, LEFT_STATUS[event], first, last)


class Timeliness(models.TextChoices):
    ON_TIME = "on_time", "On time"
    LATE = "late", "Late"


def with_timeliness(tasks, value: str):
    return on_time(tasks) if value == Timeliness.ON_TIME else late(tasks)
