"""Figures read from the past: time in status from the timeline, the backlog trend from the
daily snapshots. Each costs one query whatever the practice's size."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Sum, Value

from accounts.scope import managed_team_ids
from dashboards import flow_days, open_counts
from dashboards.aggregates import PercentilesCont, percentile_cont
from dashboards.models import MetricSnapshot, SnapshotDay, TeamSnapshot
from dashboards.slices import Figure, Slice
from tasks import rowsets
from tasks.choices import OPEN_STATUSES, Status


@dataclass(frozen=True)
class StatusTime:
    label: str
    tasks: Figure  # the tasks that moved on from the status in the period
    exits: int  # the samples: a task that waited twice gives two
    median: datetime.timedelta | None
    p90: datetime.timedelta | None


def _exits(s: Slice):
    """Each time a task in the slice left an open status in the period (its timeline row, which
    says since when the task had been in that status)."""
    return s.timeline() & rowsets.status_exits(s.start, s.end)


def time_in_status(s: Slice, *, in_database: bool | None = None) -> list[StatusTime]:
    """Median and 90th percentile of the time spent in each open status before moving on, over
    the moves made in the period. percentile_cont in PostgreSQL; the same interpolation in Python
    elsewhere (`in_database=False` forces it, for tests)."""
    if s.flow_coverage is not None and s.user.has_perm("careplans.view_clinical"):
        return _from_flow_rows(s, s.flow_coverage)
    if in_database is None:
        in_database = connection.vendor == "postgresql"
    exits = _exits(s)
    stats: dict[str, tuple[int, int, datetime.timedelta | None, datetime.timedelta | None]] = {}
    if in_database:
        spent = F("created_at") - F("from_status_since")
        for row in exits.values("from_status").annotate(
            tasks=Count("task", distinct=True),
            exits=Count("pk"),
            quantiles=PercentilesCont(spent, fractions=(0.5, 0.9)),
        ):
            stats[row["from_status"]] = (row["tasks"], row["exits"], *row["quantiles"])
    else:
        samples: dict[str, list[datetime.timedelta]] = defaultdict(list)
        task_ids: dict[str, set[int]] = defaultdict(set)
        moves: dict[str, int] = defaultdict(int)
        for status, task_id, left_at, entered_at in exits.values_list(
            "from_status", "task_id", "created_at", "from_status_since"
        ):
            task_ids[status].add(task_id)
            moves[status] += 1
            if entered_at is not None:  # as percentile_cont ignores NULLs
                samples[status].append(left_at - entered_at)
        for status, ids in task_ids.items():
            values = sorted(samples[status])
            stats[status] = (
                len(ids),
                moves[status],
                percentile_cont(values, 0.5),
                percentile_cont(values, 0.9),
            )
    return _rows(s, stats)


def _from_flow_rows(s: Slice, cov: flow_days.Coverage) -> list[StatusTime]:
    """The days built from the flow rows' histograms (median and 90th percentile to within 5%),
    the rest (the moves since they were built; the patients granted one by one, whose rows are
    not kept) from the timeline."""
    live = s.timeline() & rowsets.status_exits(s.start, s.end, not_before=cov.until)
    granted = open_counts.granted_q(s)
    if granted is not None:
        live = live | (s.timeline() & rowsets.status_exits(s.start, s.end)).filter(granted)
    found = flow_days.exit_stats(s, cov, live)
    return _rows(
        s,
        {
            status: (
                st.tasks,
                st.exits,
                flow_days.percentile(st.histogram, 0.5),
                flow_days.percentile(st.histogram, 0.9),
            )
            for status, st in found.items()
        },
    )


def _rows(s: Slice, stats: dict) -> list[StatusTime]:
    rows = []
    for status in OPEN_STATUSES:
        n_tasks, n_exits, median, p90 = stats.get(status, (0, 0, None, None))
        event = rowsets.EVENT_FOR_STATUS[status]
        rows.append(
            StatusTime(
                Status(status).label,
                Figure(n_tasks, s.queue_url(s.period_params(event))),
                n_exits,
                median,
                p90,
            )
        )
    return rows


# ---- trend ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    day: datetime.date
    backlog: int
    overdue: int


def trend(s: Slice) -> list[TrendPoint] | None:
    """Backlog and overdue at the start of each day of the period, from the nightly snapshots;
    days without a snapshot are left out (a gap, not a zero). None where the snapshots cannot
    answer: they are kept per team, location, program and owner, not per primary provider."""
    if s.scope == rowsets.Scope.TEAMS:  # summed over owners: a tenth of the rows
        rows = TeamSnapshot.objects.filter(
            care_team__in=managed_team_ids(s.user) if s.team_ids is None else s.team_ids
        )
    elif s.scope == rowsets.Scope.MINE:
        rows = MetricSnapshot.objects.filter(owner=s.user)
    else:
        return None
    for name, value in (
        ("care_team_id", s.care_team_id),
        ("location_id", s.location_id),
        ("program_id", s.program_id),
    ):
        if value:
            rows = rows.filter(**{name: value})
    # One pass over the period's rows (an index-only scan of teamsnapshot_team_day_idx), and
    # the days taken with zeros, so a day taken with no open task reads 0, not a gap.
    days = SnapshotDay.objects.filter(day__gte=s.trend_start, day__lte=s.end)
    summed = (
        rows.filter(day__gte=s.trend_start, day__lte=s.end)
        .order_by()
        .values("day")
        .annotate(backlog=Sum("backlog"), overdue=Sum("overdue"))
        .values_list("day", "backlog", "overdue")
    )
    zeros = days.order_by().values_list("day", Value(-1), Value(0))
    points: dict[datetime.date, list[int]] = {}
    for day, backlog, overdue in zeros.union(summed, all=True):
        point = points.setdefault(day, [0, 0, False])
        if backlog == -1:
            point[2] = True  # a day taken
        else:
            point[0] += backlog
            point[1] += overdue
    return [
        TrendPoint(day, backlog, overdue)
        for day, (backlog, overdue, taken) in sorted(points.items())
        if taken
    ]
