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
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    SmallIntegerField,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

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


def _bounds(day: datetime.date, until: datetime.datetime | None = None) -> list:
    """The day, its start, and its end: the next day's start, or `until` if earlier."""
    ops = connection.ops
    end = rowsets.day_start(day + datetime.timedelta(days=1))
    return [
        ops.adapt_datefield_value(day),
        ops.adapt_datetimefield_value(rowsets.day_start(day)),
        ops.adapt_datetimefield_value(min(end, until) if until else end),
    ]


def rebuild(*, first: datetime.date, last: datetime.date, until: datetime.datetime | None = None) -> Built:
    """Replace the flow rows of every day from `first` to `last` (both included), and mark them
    taken. Today (or a later day) is built only up to `until` (the job passes the time it runs),
    and the page counts what happens after that instant live."""
    if last < first:
        raise ValueError("last is before first")
    now = timezone.now()
    until = min(until or now, now)
    if rowsets.day_start(last) >= until:
        raise ValueError("the last day has not begun")
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    ops = connection.ops
    tz = timezone.get_current_timezone_name()
    previous_day, previous_params = ops.datetime_cast_date_sql("prev.at", (), tz)
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One rebuild at a time (readers never wait): a second waits, then replaces the
            # first's rows instead of adding to them. (SQLite runs one writer at a time anyway.)
            cursor.execute("LOCK TABLE dashboards_flowdaytaken IN EXCLUSIVE MODE")
        FlowDay.objects.filter(day__gte=first, day__lte=last).delete()
        FlowExit.objects.filter(day__gte=first, day__lte=last).delete()
        FlowDayTaken.objects.filter(day__gte=first, day__lte=last).delete()
        for start in range(0, len(days), DAYS_PER_STATEMENT):
            batch = days[start : start + DAYS_PER_STATEMENT]
            params = [value for day in batch for value in _bounds(day, until)]
            window = _bounds(batch[0])[1:2] + _bounds(batch[-1], until)[2:3]
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
        FlowDayTaken.objects.bulk_create(_taken(day, until, now) for day in days)
    return Built(len(days), rows)


def _taken(day: datetime.date, until: datetime.datetime, now: datetime.datetime) -> FlowDayTaken:
    end = rowsets.day_start(day + datetime.timedelta(days=1))
    return FlowDayTaken(day=day, taken_at=now, until=min(end, until), whole=end <= until)


def maintain(today: datetime.date | None = None, days: int = REBUILD_DAYS) -> Built:
    """The job: the last `days` days and today up to now, rebuilt."""
    today = today or timezone.localdate()
    return rebuild(first=today - datetime.timedelta(days=days), last=today)


# ---- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """The rows answer the days from `first` to `last` up to the instant `until` (within `last`
    or at its end); what happened after is counted live."""

    first: datetime.date
    last: datetime.date
    until: datetime.datetime
    taken_at: datetime.datetime


def coverage(s) -> Coverage | None:
    """Whether the rows answer the slice's flow figures: a manager's teams (a person's own work
    is small: counted live), every day taken from the first the figures need (the period's or
    this week's start) to the last taken, each whole but the last. One query."""
    if s.scope != rowsets.Scope.TEAMS:
        return None
    first = min(s.start, s.week_start)
    taken = FlowDayTaken.objects.filter(day__gte=first, day__lte=s.today).aggregate(
        n=Count("pk"),
        first=Min("day"),
        last=Max("day"),
        until=Max("until"),
        taken_at=Min("taken_at"),
        partial=Count("pk", filter=Q(whole=False)),
        last_partial=Max("day", filter=Q(whole=False)),
    )
    if taken["first"] != first or taken["n"] != (taken["last"] - first).days + 1:
        return None
    if taken["partial"] > 1 or (taken["partial"] == 1 and taken["last_partial"] != taken["last"]):
        return None
    return Coverage(first, taken["last"], taken["until"], taken["taken_at"])


def _between(first: datetime.date, last: datetime.date) -> Q:
    return Q(day__gte=first, day__lte=last)


def flow_rows(s):
    """The flow rows of the slice's closed days (None: the rows do not answer it), for the
    "flow" branch of dashboards.counts, summed with flow_sums."""
    cov = s.flow_coverage
    condition = None if cov is None else open_counts.kept_condition(s)
    if condition is None:
        return None
    return FlowDay.objects.filter(condition, _between(cov.first, cov.last))


def _sum(name: str, days: Q):
    return Coalesce(Sum(name, filter=days), 0, output_field=IntegerField())


def flow_sums(s) -> dict:
    """The period's (and this week's) completions and closings of the closed days, in the order
    of dashboards.counts.BRANCHES["flow"]."""
    cov = s.flow_coverage
    period = _between(s.start, min(s.end, cov.last))
    week = _between(s.week_start, cov.last)
    return {
        "on_time": _sum("on_time", period),
        "late": _sum("late", period),
        "week_on_time": _sum("on_time", week),
        "week_late": _sum("late", week),
        "closed": _sum("closed", period),
        "reassigned": _sum("reassigned", period),
        "reassignments": _sum("reassignments", period),
        "reschedules": _sum("reschedules", period),
    }


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
    the granted patients' whole period), in one query."""
    stats: dict[str, StatusStats] = defaultdict(lambda: StatusStats(histogram=defaultdict(int)))
    nothing = Cast(Value(None), DateTimeField())
    parts = []
    condition = open_counts.kept_condition(s, owner=False)
    if condition is not None:
        first_in_period = Q(previous_day__isnull=True) | Q(previous_day__lt=s.start)
        parts.append(
            FlowExit.objects.filter(condition, _between(s.start, min(s.end, cov.last)))
            .order_by()
            .values(f_status=F("from_status"), f_bucket=F("bucket"))
            .annotate(
                f_moves=Sum("n"),
                f_first=Coalesce(Sum("n", filter=first_in_period), 0),
                f_left=nothing,
                f_entered=nothing,
            )
        )
    # A live move counts its task unless the task moved on from the status earlier in the period.
    earlier = Activity.objects.filter(
        task=OuterRef("task"),
        kind=ActivityKind.STATUS_CHANGE,
        from_status=OuterRef("from_status"),
        created_at__gte=rowsets.day_start(s.start),
    ).filter(
        Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
    )
    parts.append(
        live_exits.order_by()
        .annotate(
            f_status=F("from_status"),
            f_bucket=Cast(Value(None), SmallIntegerField()),
            f_moves=Value(1),
            f_first=Case(When(Exists(earlier), then=Value(0)), default=Value(1)),
            f_left=F("created_at"),
            f_entered=F("from_status_since"),
        )
        .values("f_status", "f_bucket", "f_moves", "f_first", "f_left", "f_entered")
    )
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    for status, bucket, moves, first, left_at, entered_at in rows.values_list(
        "f_status", "f_bucket", "f_moves", "f_first", "f_left", "f_entered"
    ):
        st = stats[status]
        st.exits += moves
        st.tasks += first
        if left_at is not None and entered_at is not None:  # a move counted live
            bucket = bucket_of(left_at - entered_at)
        if bucket is not None:
            st.histogram[bucket] += moves
    return stats
