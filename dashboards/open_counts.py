"""The dashboard's open-work figures from the kept counts (dashboards.models.OpenCount), and the
upkeep of those counts: rebuild, compact, verify.

The counts hold every open task of a patient who is not restricted, per team, patient's team,
owner, program, location, risk, type, due date and wait (dates clamped around the anchor day).
A manager's slice of them is exactly `Slice.tasks().open()` minus the tasks of patients
granted one by one outside the manager's teams, which the page counts from the tasks (a few at
most, by index). The windows (overdue, due today, next 7 days, wait ended) are read at request
time from the dates against the practice's today, with the conditions of tasks.rowsets, so a
task turns overdue at midnight on the dashboard as in the queue. The counts answer for a today
of the anchor day or the next; past that (the nightly rebuild failed twice) the page counts its
tasks, as it did before the counts existed: slower, never stale.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, IntegerField, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.scope import managed_team_ids, team_id_list
from careplans.models import granted_patient_ids
from dashboards import open_count_sql as sql
from dashboards.models import OpenCount, OpenCountAnchor
from tasks import rowsets
from tasks.choices import FRONT_DESK_KINDS

# How long a rebuild waits for writers holding the counts table before giving up (it retries at
# the next run): waiting longer would queue every writer behind it.
REBUILD_LOCK_TIMEOUT = "5s"


# ---- reading ---------------------------------------------------------------------------------


def usable(s) -> bool:
    """Whether the counts answer this slice: a manager's teams, counted as of today or
    yesterday. (A person's own tasks or their patients' are few: counted from the tasks.)"""
    if s.scope != rowsets.Scope.TEAMS:
        return False
    anchor = current_anchor()
    return anchor is not None and anchor.day <= s.today <= anchor.day + datetime.timedelta(days=1)


def current_anchor() -> OpenCountAnchor | None:
    return OpenCountAnchor.objects.order_by("-pk").first()


def kept_condition(s, *, owner: bool = True) -> Q | None:
    """`Slice.tasks().open()` on the counts, for patients seen through the user's teams: also
    the slice of the flow rows (dashboards.flow_days), which share their keys. `owner=False`
    for rows kept without owner and type, which only a viewer with the clinical right reads."""
    user = s.user
    teams = team_id_list(user)
    if not teams or not user.is_active:
        return None
    condition = Q(patient_team_id__in=teams)
    if owner and not user.has_perm("careplans.view_clinical"):  # tasks.models.visibility_q
        condition &= Q(kind__in=FRONT_DESK_KINDS) | Q(owner_id=user.pk)
    condition &= Q(care_team_id__in=managed_team_ids(user) if s.team_ids is None else s.team_ids)
    if s.care_team_id:
        condition &= Q(care_team_id=s.care_team_id)
    if s.location_id:
        condition &= Q(location_id=s.location_id)
    if s.program_id:
        condition &= Q(program_id=s.program_id)
    return condition


def granted_q(s) -> Q | None:
    """What the kept counts (and the flow rows) leave out that the viewer sees, on tasks or
    timeline rows (the same paths): patients granted to the user one by one (or opened in an
    emergency) that the user's teams do not show. None: there are none."""
    granted = granted_patient_ids(s.user)
    if not granted:
        return None
    return Q(patient__in=granted) & ~Q(
        patient__care_team_id__in=team_id_list(s.user), patient__is_restricted=False
    )


def granted_only(s, tasks):
    """Of `tasks` (the slice's), those the counts leave out (granted_q), or None."""
    granted = granted_q(s)
    return None if granted is None else tasks.filter(granted)


def _sum(condition: Q | None = None):
    return Coalesce(Sum("n", filter=condition), 0, output_field=IntegerField())


def open_rows(s) -> list[dict]:
    """The rows of the "open" figures (dashboards.counts.BRANCHES["open"]) for the slice, from
    the counts: one per owner, program, risk, location and type, as the tasks' count gives them."""
    condition = kept_condition(s)
    if condition is None:
        return []
    today, week_end = s.today, s.today + datetime.timedelta(days=rowsets.UPCOMING_DAYS)
    rows = (
        OpenCount.objects.filter(condition)
        .order_by()
        .values(
            d_owner=F("owner_id"),
            d_program=F("program_id"),
            d_risk=F("risk_level"),
            d_location=F("location_id"),
            d_kind=F("kind"),
        )
        # The windows of tasks.rowsets (overdue_q, due_today_q, upcoming_q, wait_ended_q) on the
        # counted dates: every row is open, and only Waiting rows carry a wait.
        .annotate(
            n0=_sum(),
            n1=_sum(Q(due_on__lt=today)),
            n2=_sum(Q(due_on=today)),
            n3=_sum(Q(due_on__gt=today, due_on__lte=week_end)),
            n4=_sum(Q(waiting_until__lt=today)),
        )
    )
    return [{**row, "figure": "open", "d_team": None} for row in rows if row["n0"]]


# ---- upkeep ----------------------------------------------------------------------------------


def _anchor(day: datetime.date) -> OpenCountAnchor:
    one = datetime.timedelta(days=1)
    return OpenCountAnchor(
        day=day,
        # Overdue and due today for a today of `day` or the next: before, on, or after the next
        # seven days of either (tasks.rowsets.upcoming_q).
        due_low=day - one,
        due_high=day + (rowsets.UPCOMING_DAYS + 2) * one,
        wait_low=day - one,
        wait_high=day + one,
        built_at=timezone.now(),
    )


@dataclass(frozen=True)
class Rebuilt:
    day: datetime.date
    rows: int


def rebuild(day: datetime.date | None = None) -> Rebuilt:
    """Count every open task afresh, anchored on `day` (the practice's today by default). Writers
    that would change the counts wait for it (PostgreSQL: up to REBUILD_LOCK_TIMEOUT, or it
    fails and the next run retries); readers never do."""
    day = day or timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL lock_timeout = '{REBUILD_LOCK_TIMEOUT}'")
            cursor.execute(f"LOCK TABLE {sql.COUNTS} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {sql.COUNTS}")  # noqa: S608  # nosec B608
        # In SQL, not the model: the migration that installs the counts builds them too.
        anchor = _anchor(day)
        names = ("day", "due_low", "due_high", "wait_low", "wait_high", "built_at")
        cursor.execute(f"DELETE FROM {sql.ANCHOR}")  # noqa: S608  # nosec B608
        cursor.execute(
            f"INSERT INTO {sql.ANCHOR} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})",  # noqa: S608  # nosec B608
            [
                *(connection.ops.adapt_datefield_value(getattr(anchor, name)) for name in names[:-1]),
                connection.ops.adapt_datetimefield_value(anchor.built_at),
            ],
        )
        cursor.execute(sql.rebuild_insert(connection.vendor))
        rows = cursor.rowcount
    return Rebuilt(day, rows)


def compact() -> int:
    """Sum the rows that share their values into one (and drop those summing to nothing): what
    the writes appended since the last run. Returns the rows removed. One statement on
    PostgreSQL, so writers appending meanwhile are neither lost nor counted twice."""
    with transaction.atomic(), connection.cursor() as cursor:
        before = OpenCount.objects.count()
        if connection.vendor == "postgresql":
            cursor.execute(sql.compact_postgresql())
        else:  # one writer at a time: sum, empty, refill
            cursor.execute(sql.summed(sql.COUNTS))
            rows = cursor.fetchall()
            cursor.execute(f"DELETE FROM {sql.COUNTS}")  # noqa: S608  # nosec B608
            OpenCount.objects.bulk_create(OpenCount(**dict(zip(sql.NAMES, row, strict=True))) for row in rows)
        return before - OpenCount.objects.count()


@dataclass(frozen=True)
class Difference:
    """Values whose kept count differs from the tasks' count."""

    values: dict
    kept: int
    counted: int


def verify() -> list[Difference]:
    """The kept counts against the tasks, in one statement (one snapshot, so writers running
    meanwhile do not show as differences). Empty: they agree."""
    with connection.cursor() as cursor:
        cursor.execute(sql.differences(connection.vendor))
        found = cursor.fetchall()
    differences: dict[tuple, list[int]] = {}
    for side, *values, n in found:
        pair = differences.setdefault(tuple(values), [0, 0])
        pair[0 if side == "kept" else 1] = n
    return [
        Difference(dict(zip(sql.NAMES[:-1], values, strict=True)), kept, counted)
        for values, (kept, counted) in sorted(differences.items(), key=str)
    ]


def maintain(today: datetime.date | None = None) -> str:
    """The job: rebuild when the anchor is not today's (after midnight), else compact."""
    today = today or timezone.localdate()
    anchor = current_anchor()
    if anchor is None or anchor.day != today:
        rebuilt = rebuild(today)
        return f"rebuilt for {rebuilt.day}: {rebuilt.rows} rows"
    return f"compacted: {compact()} rows fewer"
