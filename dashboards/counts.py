"""Every count on the dashboard in one query: a UNION ALL branch per scan (open work, the
period's completions, the period's closings), each figure counted with the row set its
drill-down lists (tasks.rowsets; the queue filter of each is in the comment beside it). A
manager's open work is read from the kept counts instead (dashboards.open_counts), and the
closed days' completions and closings from the flow rows (dashboards.flow_days): a query more
each, whose cost does not grow with the tasks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast

from dashboards import flow_days, open_counts
from dashboards.slices import Slice
from tasks import rowsets
from tasks.choices import Status

# The breakdown dimensions, as (field path on Task, output field).
DIMENSIONS = {
    "owner": ("owner_id", BigIntegerField()),
    "team": ("care_team_id", BigIntegerField()),
    "program": ("care_plan__program_id", BigIntegerField()),
    "risk": ("patient__risk_level", CharField()),
    "location": ("patient__location_id", BigIntegerField()),
    "kind": ("kind", CharField()),
}
WORKLOAD = ("owner", "program", "risk", "location", "kind")
# The counts each branch of the query returns, in its n0, n1... columns.
# Tasks closed in the period are counted in two branches, completed and cancelled ones, each
# read from its own index alone (one scan of both, OR-ed, had to visit the table).
CLOSED = ("closed", "reassigned", "reassignments", "reschedules")
BRANCHES_COMPLETED = ("on_time", "late", "week_on_time", "week_late")
BRANCHES = {
    "open": ("open", "overdue", "due_today", "upcoming", "wait_ended"),
    "completed": BRANCHES_COMPLETED,
    "closed_completed": CLOSED,
    "closed_cancelled": CLOSED,
    # The closed days' completions and closings, summed from their daily rows (dashboards.flow_days).
    "flow": (*BRANCHES_COMPLETED, *CLOSED),
}
SLOTS = max(len(names) for names in BRANCHES.values())


def _branch(name: str, rows, dims: Iterable[str], counts: dict[str, Count]):
    """One UNION ALL branch: `counts` of `rows` per `dims`. Every branch has the same columns:
    the other dimensions are NULL and the unused count slots 0."""
    if tuple(counts) != BRANCHES[name]:  # the UNION's columns line up only in this order
        raise ValueError(f"{name}: counts {tuple(counts)} are not {BRANCHES[name]}")
    dims = set(dims)
    columns = {
        # Typed NULLs: PostgreSQL reads an untyped NULL as text, which no bigint column matches.
        f"d_{dim}": F(path) if dim in dims else Cast(Value(None), output)
        for dim, (path, output) in DIMENSIONS.items()
    }
    slots = [*counts.values(), *[Value(0)] * (SLOTS - len(counts))]
    return (
        rows.order_by()
        .annotate(figure=Value(name, output_field=CharField()), **columns)
        .values("figure", *columns)
        .annotate(**{f"n{i}": count for i, count in enumerate(slots)})
    )


# figure → the (branch, column) pairs it is summed from.
SLOT: dict[str, list[tuple[str, str]]] = defaultdict(list)
for _branch_name, _names in BRANCHES.items():
    for _i, _figure in enumerate(_names):
        SLOT[_figure].append((_branch_name, f"n{_i}"))


@dataclass
class Counts:
    """The rows of each branch: counts per combination of dimensions."""

    rows: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))

    def _rows(self, figure: str):
        for branch, slot in SLOT[figure]:
            for r in self.rows[branch]:
                yield r, r[slot]

    def total(self, figure: str) -> int:
        return sum(n for _, n in self._rows(figure))

    def by(self, figure: str, dim: str) -> dict:
        sums: dict = defaultdict(int)
        for r, n in self._rows(figure):
            if n:
                sums[r[f"d_{dim}"]] += n
        return dict(sums)


def count_figures(s: Slice) -> Counts:
    """Every count on the page in one query: one scan each of the open work, the completions and
    the closings, each figure counted with the row set its drill-down lists (tasks.rowsets;
    the queue filter of each is in the comment)."""
    tasks = s.tasks()
    today = s.today
    done, closed = _flow_tasks(s)
    done = rowsets.with_completed_on(done)
    period = rowsets.window_q("completed_at", s.start, s.end)
    week = rowsets.window_q("completed_at", s.week_start, today)

    def per_task(events):
        return (
            events.filter(task=OuterRef("pk")).order_by().values("task").annotate(n=Count("pk")).values("n")
        )

    # Open work: from the kept counts (dashboards.open_counts) when they answer for this slice,
    # and from the tasks only for what they leave out (patients granted one by one); else all
    # from the tasks.
    kept = open_counts.usable(s)
    open_tasks = open_counts.granted_only(s, tasks.open()) if kept else tasks.open()
    if open_tasks is None:  # nothing left out of the kept counts: the UNION leaves the branch out
        open_tasks = tasks.none()
    queries = [
        _branch(
            "open",
            open_tasks,
            WORKLOAD,
            {
                "open": Count("pk"),  # (no filter: the queue shows open work)
                "overdue": Count("pk", filter=rowsets.overdue_q(today)),  # due=overdue
                "due_today": Count("pk", filter=rowsets.due_today_q(today)),  # due=today
                "upcoming": Count("pk", filter=rowsets.upcoming_q(today)),  # due=next7
                "wait_ended": Count("pk", filter=rowsets.wait_ended_q(today)),  # due=wait_ended
            },
        ),
        _branch(
            "completed",
            done,
            ("kind",),
            {
                # event=completed&event_on_after=..&event_on_before=..&timeliness=on_time|late
                "on_time": Count("pk", filter=period & rowsets.ON_TIME),
                "late": Count("pk", filter=period & rowsets.LATE),
                "week_on_time": Count("pk", filter=week & rowsets.ON_TIME),
                "week_late": Count("pk", filter=week & rowsets.LATE),
            },
        ),
        *(
            _branch(
                name,
                rows,
                ("team", "owner"),
                {
                    "closed": Count("pk"),  # event=closed&event_on_after=..&event_on_before=..
                    "reassigned": Count("pk", filter=rowsets.reassigned_q()),  # ...&reassigned=true
                    # Counted only on reassigned tasks (CASE is lazy): a few probes of a small index.
                    "reassignments": Sum(
                        Case(
                            When(rowsets.reassigned_q(), then=Subquery(per_task(rowsets.reassignments()))),
                            default=0,
                        )
                    ),
                    # Due dates moved later, counted the same way (a due date moved earlier is not one).
                    "reschedules": Sum(
                        Case(
                            When(rowsets.rescheduled_q(), then=Subquery(per_task(rowsets.reschedules()))),
                            default=0,
                        )
                    ),
                },
            )
            for name, rows in closed.items()
        ),
    ]
    flow = flow_days.flow_rows(s)
    if flow is not None:
        queries.append(_branch("flow", flow, ("team", "owner", "kind"), flow_days.flow_sums(s)))
    counts = Counts()
    for row in queries[0].union(*queries[1:], all=True):
        counts.rows[row["figure"]].append(row)
    if kept:
        counts.rows["open"] += open_counts.open_rows(s)
    return counts


def _flow_tasks(s: Slice):
    """The completions (of the period and this week) and the closings (of the period) to count
    from the tasks: all of them; or, where the flow rows answer (dashboards.flow_days), those
    after the instant the rows were built to (today's last minutes) and those of the patients
    the rows leave out (granted one by one), whose whole period is counted here."""
    tasks, today = s.tasks(), s.today
    first = min(s.start, s.week_start)
    cov = s.flow_coverage
    if cov is None:
        return rowsets.completed_between(tasks, first, today), {
            "closed_completed": tasks.filter(rowsets.completed_in_q(s.start, s.end)),
            "closed_cancelled": tasks.filter(rowsets.cancelled_in_q(s.start, s.end)),
        }
    done = rowsets.window_q("completed_at", first, today, not_before=cov.until)
    completed = rowsets.completed_in_q(s.start, s.end, not_before=cov.until)
    cancelled = rowsets.cancelled_in_q(s.start, s.end, not_before=cov.until)
    granted = open_counts.granted_q(s)
    if granted is not None:
        done |= granted & rowsets.window_q("completed_at", first, today)
        completed |= granted & rowsets.completed_in_q(s.start, s.end)
        cancelled |= granted & rowsets.cancelled_in_q(s.start, s.end)
    return tasks.filter(done, status=Status.COMPLETED), {
        "closed_completed": tasks.filter(completed),
        "closed_cancelled": tasks.filter(cancelled),
    }
