"""Which tasks a dashboard figure counts.

The dashboard counts with these functions and the team queue lists with the same ones (through
tasks.filters.TaskFilter), so a figure and the queue it links to cannot disagree. Each takes a
Task queryset and narrows it; none widens `visible_to(user)`.

Days are the practice's (settings.TIME_ZONE): a day runs from its local midnight to the next,
whatever the UTC offset, so windows stay right across daylight saving changes.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.roles import Role
from accounts.scope import managed_team_ids
from tasks.choices import CLOSED_STATUSES, OPEN_STATUSES, ActivityKind, Status
from tasks.models import Activity


class Scope(models.TextChoices):
    """Whose work a dashboard shows, by role: managers answer for their teams, providers for their
    patients' plans, coordinators and assistants for their own tasks."""

    TEAMS = "teams", "Teams I manage"
    MY_PATIENTS = "my_patients", "My patients' tasks"
    MINE = "mine", "My tasks"


def scope_for(user) -> Scope:
    if user.has_role(Role.MANAGER):
        return Scope.TEAMS
    if user.has_role(Role.PROVIDER):
        return Scope.MY_PATIENTS
    return Scope.MINE


def in_scope(tasks, *, user, scope: str):
    if scope == Scope.TEAMS:
        return tasks.filter(care_team__in=managed_team_ids(user))
    if scope == Scope.MY_PATIENTS:
        return tasks.filter(patient__primary_provider=user)
    if scope == Scope.MINE:
        return tasks.filter(owner=user)
    raise ValueError(scope)


# ---- days in the practice's time zone -----------------------------------------------------------


def day_start(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of `day`, as an aware datetime (23 or 25 hours from the next
    one on a daylight saving change)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


def week_start(today: datetime.date) -> datetime.date:
    """Monday of `today`'s week."""
    return today - datetime.timedelta(days=today.weekday())


def _window(field: str, first: datetime.date | None, last: datetime.date | None) -> Q:
    """`field` (a timestamp) falls on a local day from `first` to `last`, both included; an
    omitted end leaves that side open."""
    q = Q()
    if first is not None:
        q &= Q(**{f"{field}__gte": day_start(first)})
    if last is not None:
        q &= Q(**{f"{field}__lt": day_start(last + datetime.timedelta(days=1))})
    return q


# ---- completions and closings -------------------------------------------------------------------


def completed_between(tasks, first: datetime.date | None, last: datetime.date | None):
    """Completed tasks whose (latest) completion fell on a day from `first` to `last`."""
    return tasks.filter(_window("completed_at", first, last), status=Status.COMPLETED)


def _completed_on(tasks):
    return tasks.alias(completed_on=TruncDate("completed_at", tzinfo=timezone.get_default_timezone()))


def on_time(tasks):
    """Completed on or before the due date (a task completed on its due day, up to 23:59:59 local,
    is on time)."""
    return _completed_on(tasks).filter(status=Status.COMPLETED, completed_on__lte=F("due_on"))


def late(tasks):
    return _completed_on(tasks).filter(status=Status.COMPLETED, completed_on__gt=F("due_on"))


def _closings(**window):
    return Activity.objects.filter(
        task=OuterRef("pk"), kind=ActivityKind.STATUS_CHANGE, to_status__in=CLOSED_STATUSES, **window
    )


def closed_between(tasks, first: datetime.date | None, last: datetime.date | None):
    """Tasks closed (completed or cancelled) now, whose latest closing fell on a day from `first`
    to `last`. Cancelled tasks carry no timestamp of their own, so the closing is read from the
    timeline; a task reopened and closed again counts on the day of its last closing."""
    tasks = tasks.filter(status__in=CLOSED_STATUSES).filter(
        Exists(_closings().filter(_window("created_at", first, last)))
    )
    if last is not None:
        tasks = tasks.exclude(Exists(_closings(created_at__gte=day_start(last + datetime.timedelta(days=1)))))
    return tasks


def reassigned(tasks):
    """Tasks reassigned at least once in their life."""
    return tasks.filter(Exists(Activity.objects.filter(task=OuterRef("pk"), kind=ActivityKind.REASSIGNMENT)))


def status_exits(first: datetime.date | None, last: datetime.date | None, *, status: str | None = None):
    """Timeline rows where a task left an open status, on a day from `first` to `last`."""
    exits = Activity.objects.filter(
        _window("created_at", first, last), kind=ActivityKind.STATUS_CHANGE, from_status__in=OPEN_STATUSES
    )
    return exits.filter(from_status=status) if status else exits


def left_status_between(tasks, status: str, first: datetime.date | None, last: datetime.date | None):
    """Tasks that left `status` at least once on a day from `first` to `last`, whatever their
    status now: the sample behind that status's time-in-status figures."""
    return tasks.filter(Exists(status_exits(first, last, status=status).filter(task=OuterRef("pk"))))


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
