"""The dashboard's flow figures per closed day (dashboards.models FlowDay, FlowExit, FlowDayTaken):
built for each day before today, so the page sums a period's rows instead of scanning its tasks
and timeline, and counts only today (and the patients granted to the viewer one by one) live.

A day's rows are replaced whole, set-based (dashboards.flow_sql, one INSERT ... SELECT per table
and batch of days), idempotent. They say how the tasks closed that day stand at the rebuild: a
task reopened, moved or transferred afterwards is right again at the next rebuild of its day,
within 10 minutes for the last REBUILD_DAYS days (dashboards.jobs.maintain_flow_days). The page
reads the rows only when every closed day its figures need is taken (FlowDayTaken), else it
counts the whole period live as before: slower, never a number from missing rows.

Time in status is kept as a histogram of log-scale buckets (BUCKET_FACTOR): the median and 90th
percentile read from it are within 5% of percentile_cont over the moves themselves.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Exists, Min, OuterRef, Q, Sum
from django.utils import timezone

from accounts.scope import team_id_list
from careplans.models import granted_patient_ids
from dashboards import flow_sql, open_counts
from dashboards.forms import MAX_DAYS
from dashboards.models import FlowDay, FlowDayTaken, FlowExit
from tasks import rowsets
from tasks.choices import ActivityKind
from tasks.models import Activity

# The job rebuilds this many days up to yesterday: a task changed after its closing day (reopened,
# reassigned, its patient transferred) is counted as it stands now within 10 minutes if it closed
# within these days; older days keep the rows of their last rebuild (`manage.py flow_days`).
REBUILD_DAYS = 35
DAYS_PER_STATEMENT = 31  # three parameters a day: well within SQLite's limit
# Each bucket holds times in status from F^b to F^(b+1) seconds, read as its geometric middle:
# within sqrt(1.1) - 1 < 5% of any time in it.
BUCKET_FACTOR = 1.1


# ---- building --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    days: int
    rows: int


def _bounds(day: datetime.date) -> list:
    ops = connection.ops
    return [
        ops.adapt_datefield_value(day),
        ops.adapt_datetimefield_value(rowsets.day_start(day)),
        ops.adapt_datetimefield_value(rowsets.day_start(day + datetime.timedelta(days=1))),
    ]


def rebuild(*, first: datetime.date, last: datetime.date) -> Built:
    """Replace the flow rows of every day from `first` to `last` (both included), and mark them
    taken. Days from today on are refused: the page counts today live."""
    if last < first:
        raise ValueError("last is before first")
    if last >= timezone.localdate():
        raise ValueError("only days before today are built (today is counted live)")
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    ops = connection.ops
    tz = timezone.get_current_timezone_name()
    previous_day, previous_params = ops.datetime_cast_date_sql("prev.at", (), tz)
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        FlowDay.objects.filter(day__gte=first, day__lte=last).delete()
        FlowExit.objects.filter(day__gte=first, day__lte=last).delete()
        FlowDayTaken.objects.filter(day__gte=first, day__lte=last).delete()
        for start in range(0, len(days), DAYS_PER_STATEMENT):
            batch = days[start : start + DAYS_PER_STATEMENT]
            params = [value for day in batch for value in _bounds(day)]
            window = _bounds(batch[0])[1:2] + _bounds(batch[-1])[2:3]
            cursor.execute(flow_sql.flow_day_insert(len(batch)), [*params, *window, *window])
            rows += cursor.rowcount
            reach = ops.adapt_datetimefield_value(
                rowsets.day_start(batch[0] - datetime.timedelta(days=MAX_DAYS))
            )
            cursor.execute(
                flow_sql.flow_exit_insert(len(batch), connection.vendor, previous_day, BUCKET_FACTOR),
                [*params, *window, reach, *previous_params],
            )
            rows += cursor.rowcount
        taken_at = timezone.now()
        FlowDayTaken.objects.bulk_create(FlowDayTaken(day=day, taken_at=taken_at) for day in days)
    return Built(len(days), rows)


def maintain(today: datetime.date | None = None, days: int = REBUILD_DAYS) -> Built:
    """The job: the last `days` days up to yesterday, rebuilt."""
    today = today or timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    return rebuild(first=today - datetime.timedelta(days=days), last=yesterday)


# ---- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """The rows answer the days from `first` to `last`; the days after are counted live."""

    first: datetime.date
    last: datetime.date
    taken_at: datetime.datetime

    @property
    def live_from(self) -> datetime.date:
        return self.last + datetime.timedelta(days=1)


def coverage(s) -> Coverage | None:
    """Whether the rows answer the slice's flow figures: a manager's teams (a person's own work
    is small: counted live), every closed day from the first the figures need (the period's or
    this week's start) to yesterday taken. One query."""
    if s.scope != rowsets.Scope.TEAMS:
        return None
    first = min(s.start, s.week_start)
    last = s.today - datetime.timedelta(days=1)
    if last < first:
        return None
    taken = FlowDayTaken.objects.filter(day__gte=first, day__lte=last).aggregate(
        n=Count("pk"), taken_at=Min("taken_at")
    )
    if taken["n"] != (last - first).days + 1:
        return None
    return Coverage(first, last, taken["taken_at"])


def granted_q(s) -> Q | None:
    """The tasks (or timeline rows: the same paths) the rows leave out that the viewer sees:
    patients granted one by one outside the viewer's teams, or restricted (open_counts.granted_only)."""
    granted = granted_patient_ids(s.user)
    if not granted:
        return None
    return Q(patient__in=granted) & ~Q(
        patient__care_team_id__in=team_id_list(s.user), patient__is_restricted=False
    )


def _between(first: datetime.date, last: datetime.date) -> Q:
    return Q(day__gte=first, day__lte=last)


def flow_rows(s, cov: Coverage) -> list[dict]:
    """The period's (and this week's) completions and closings on the closed days, per team,
    owner and type: rows for dashboards.counts' completed and closed branches."""
    condition = open_counts.kept_condition(s)
    if condition is None:
        return []
    period = _between(s.start, min(s.end, cov.last))
    week = _between(s.week_start, cov.last)
    summed = (
        FlowDay.objects.filter(condition, _between(cov.first, cov.last))
        .order_by()
        .values("care_team_id", "owner_id", "kind")
        .annotate(
            sum_on_time=Sum("on_time", filter=period),
            sum_late=Sum("late", filter=period),
            sum_week_on_time=Sum("on_time", filter=week),
            sum_week_late=Sum("late", filter=week),
            sum_closed=Sum("closed", filter=period),
            sum_reassigned=Sum("reassigned", filter=period),
            sum_reassignments=Sum("reassignments", filter=period),
            sum_reschedules=Sum("reschedules", filter=period),
        )
    )
    rows = []
    for r in summed:
        dims = {"d_team": r["care_team_id"], "d_owner": r["owner_id"], "d_kind": r["kind"]}
        completed = [r[f"sum_{n}"] or 0 for n in ("on_time", "late", "week_on_time", "week_late")]
        closed = [r[f"sum_{n}"] or 0 for n in ("closed", "reassigned", "reassignments", "reschedules")]
        rows.append({**dims, "figure": "completed", **{f"n{i}": n for i, n in enumerate(completed)}})
        rows.append({**dims, "figure": "closed_completed", **{f"n{i}": n for i, n in enumerate(closed)}})
    return rows


# ---- time in status --------------------------------------------------------------------------


def bucket_of(spent: datetime.timedelta) -> int:
    return int(math.log(max(spent.total_seconds(), 1.0)) / math.log(BUCKET_FACTOR))


def bucket_middle(bucket: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=BUCKET_FACTOR ** (bucket + 0.5))


def percentile(histogram: dict[int, int], fraction: float) -> datetime.timedelta | None:
    """percentile_cont over the samples, each read as its bucket's middle."""
    total = sum(histogram.values())
    if not total:
        return None
    position = fraction * (total - 1)
    low, high = math.floor(position), math.ceil(position)
    values = {}
    seen = 0
    for bucket in sorted(histogram):
        n = histogram[bucket]
        for rank in (low, high):
            if seen <= rank < seen + n:
                values[rank] = bucket_middle(bucket)
        seen += n
    return values[low] + (values[high] - values[low]) * (position - low)


@dataclass
class StatusStats:
    tasks: int = 0
    exits: int = 0
    histogram: dict[int, int] | None = None


def exit_stats(s, cov: Coverage, live_exits) -> dict[str, StatusStats]:
    """Per open status: tasks that moved on, moves, and the histogram of their time in status,
    from the rows of the closed days and `live_exits` (the timeline rows of the rest: today, and
    the granted patients' whole period). Two queries."""
    stats: dict[str, StatusStats] = defaultdict(lambda: StatusStats(histogram=defaultdict(int)))
    condition = open_counts.kept_condition(s, owner=False)
    if condition is not None:
        first_in_period = Q(previous_day__isnull=True) | Q(previous_day__lt=s.start)
        for row in (
            FlowExit.objects.filter(condition, _between(s.start, min(s.end, cov.last)))
            .order_by()
            .values("from_status", "bucket")
            .annotate(moves=Sum("n"), first=Sum("n", filter=first_in_period))
        ):
            st = stats[row["from_status"]]
            st.exits += row["moves"]
            st.tasks += row["first"] or 0
            if row["bucket"] is not None:
                st.histogram[row["bucket"]] += row["moves"]
    # A live move counts its task unless the task moved on from the status earlier in the period.
    earlier = Activity.objects.filter(
        task=OuterRef("task"),
        kind=ActivityKind.STATUS_CHANGE,
        from_status=OuterRef("from_status"),
        created_at__gte=rowsets.day_start(s.start),
    ).filter(
        Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
    )
    for status, left_at, entered_at, again in live_exits.annotate(again=Exists(earlier)).values_list(
        "from_status", "created_at", "from_status_since", "again"
    ):
        st = stats[status]
        st.exits += 1
        st.tasks += 0 if again else 1
        if entered_at is not None:
            st.histogram[bucket_of(left_at - entered_at)] += 1
    return stats
