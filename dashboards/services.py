"""Metric snapshots: the backlog at the start of each day, rebuilt from the tasks' history.

One function serves the nightly job (today) and the backfill command (the last N days), so a day
has the same numbers however it was taken. It reads HistoricalTask, not the live Task rows: the
state at 00:00 practice time is the history row that was current then, which the live rows no
longer show once a task has moved on. It is set-based (one INSERT ... SELECT per batch of days)
and idempotent (a day's rows are replaced whole, under a unique constraint).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from careplans.models import CarePlan, Patient
from dashboards.models import MetricSnapshot, SnapshotDay, TeamSnapshot
from tasks.choices import OPEN_STATUSES
from tasks.models import Task
from tasks.rowsets import day_start

# Days per INSERT ... SELECT: two parameters a day, well within SQLite's limit.
DAYS_PER_STATEMENT = 120


@dataclass(frozen=True)
class SnapshotResult:
    days: int
    rows: int


def take_snapshots(*, first: datetime.date, last: datetime.date) -> SnapshotResult:
    """Replace the snapshots of every day from `first` to `last` (both included).

    A task counts on day D if, at 00:00 practice time on D, its current history row was open
    (New, In progress, Waiting): in the backlog, and overdue if due before D. It counts in the
    slice of that row's care team and owner, its patient's location and its care plan's program
    as they are now. Restricted patients' tasks are left out, as the dashboard leaves them out
    for everyone not granted the patient."""
    if last < first:
        raise ValueError("last is before first")
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    with transaction.atomic():
        MetricSnapshot.objects.filter(day__gte=first, day__lte=last).delete()
        TeamSnapshot.objects.filter(day__gte=first, day__lte=last).delete()
        SnapshotDay.objects.filter(day__gte=first, day__lte=last).delete()
        rows = 0
        for start in range(0, len(days), DAYS_PER_STATEMENT):
            rows += _insert(days[start : start + DAYS_PER_STATEMENT])
        sum_team_snapshots(first=first, last=last)
        taken_at = timezone.now()
        SnapshotDay.objects.bulk_create(SnapshotDay(day=day, taken_at=taken_at) for day in days)
    return SnapshotResult(days=len(days), rows=rows)


def _insert(days: list[datetime.date]) -> int:
    ops = connection.ops
    qn = connection.ops.quote_name
    history = Task.history.model._meta.db_table
    values = ", ".join(["(%s, %s)"] * len(days))
    params: list[object] = []
    for day in days:
        params += [ops.adapt_datefield_value(day), ops.adapt_datetimefield_value(day_start(day))]
    open_statuses = ", ".join(["%s"] * len(OPEN_STATUSES))
    sql = f"""
        INSERT INTO {qn(MetricSnapshot._meta.db_table)}
            (day, care_team_id, location_id, program_id, owner_id, backlog, overdue)
        WITH days (day, starts_at) AS (VALUES {values}),
        spans AS (
            -- Each history row holds from its own date until the task's next history row.
            SELECT h.id, h.history_type, h.status, h.owner_id, h.care_team_id, h.care_plan_id,
                   h.patient_id, h.due_on, h.history_date AS valid_from,
                   LEAD(h.history_date) OVER (
                       PARTITION BY h.id ORDER BY h.history_date, h.history_id
                   ) AS valid_to
            FROM {qn(history)} h
            WHERE h.history_date <= %s
        )
        SELECT d.day, s.care_team_id, p.location_id, cp.program_id, s.owner_id,
               COUNT(*), SUM(CASE WHEN s.due_on < d.day THEN 1 ELSE 0 END)
        FROM spans s
        JOIN days d ON s.valid_from <= d.starts_at AND (s.valid_to IS NULL OR s.valid_to > d.starts_at)
        JOIN {qn(Patient._meta.db_table)} p ON p.id = s.patient_id
        LEFT JOIN {qn(CarePlan._meta.db_table)} cp ON cp.id = s.care_plan_id
        WHERE s.history_type <> '-'
          AND s.status IN ({open_statuses})
          AND (s.valid_to IS NULL OR s.valid_to > %s)
          AND NOT p.is_restricted
        GROUP BY d.day, s.care_team_id, p.location_id, cp.program_id, s.owner_id
    """  # noqa: S608  # nosec B608  # table names from the models' metadata, values bound as parameters
    params += [ops.adapt_datetimefield_value(day_start(days[-1]))]
    params += [str(status) for status in OPEN_STATUSES]
    params += [ops.adapt_datetimefield_value(day_start(days[0]))]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# MetricSnapshot summed over owners, for the trend of a manager's teams (also run by the migration
# that added TeamSnapshot, on the snapshots already taken).
TEAM_SNAPSHOT_SQL = """
    INSERT INTO dashboards_teamsnapshot (day, care_team_id, location_id, program_id, backlog, overdue)
    SELECT day, care_team_id, location_id, program_id, SUM(backlog), SUM(overdue)
    FROM dashboards_metricsnapshot
    WHERE day >= %s AND day <= %s
    GROUP BY day, care_team_id, location_id, program_id
"""


def sum_team_snapshots(*, first: datetime.date, last: datetime.date) -> int:
    """The team rows of the days from `first` to `last` from their snapshots (those days' team
    rows must be gone: take_snapshots deletes them first)."""
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute(TEAM_SNAPSHOT_SQL, [ops.adapt_datefield_value(first), ops.adapt_datefield_value(last)])
        return cursor.rowcount
