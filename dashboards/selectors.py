"""Dashboard selectors: each function returns exactly what one part of the page renders.

Every count comes from a row set in tasks.rowsets (`overdue_q`, `due_today_q`...), and every
count carries the team-queue URL whose FilterSet applies that same row set, so the figure and
its drill-down list cannot disagree. The page costs a fixed number of queries whatever the
practice's size: all counts in one query (dashboards.counts), owner names in one, time in status and the trend one each (dashboards.history;
dashboards.slices holds the Slice of work they all read).

`today` and the period are passed in (the view reads the practice's clock once), so the
selectors are tested at midnight and across daylight saving changes without moving the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import User
from careplans.models import RiskLevel
from dashboards.counts import Counts, count_figures
from dashboards.history import StatusTime, TrendPoint, time_in_status, trend
from dashboards.slices import Figure, Slice
from tasks import rowsets
from tasks.choices import TaskKind

# An owner carrying more than this multiple of the average open load of the owners shown is
# highlighted: relative, so it means the same on a small team and a large one.
CAPACITY_FACTOR = 1.5
CAPACITY_MIN_OWNERS = 3  # with two owners, "above the average" only says who has more


# ---- tiles ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    figure: Figure
    alert: bool = False
    note: str = ""


@dataclass(frozen=True)
class CompletedTile:
    label: str
    on_time: Figure
    late: Figure

    @property
    def total(self) -> int:
        return self.on_time.value + self.late.value


def tiles(s: Slice, counts: Counts) -> tuple[list[Tile], CompletedTile]:
    def due(key: str, window: str) -> Figure:
        return Figure(counts.total(key), s.queue_url([("due", window)]))

    overdue = due("overdue", rowsets.DueWindow.OVERDUE)
    week = [("event_on_after", s.week_start.isoformat()), ("event_on_before", s.today.isoformat())]
    completed = [("event", rowsets.Event.COMPLETED), *week]
    return (
        [
            Tile("overdue", "Overdue", overdue, alert=overdue.value > 0, note="open, due before today"),
            Tile("due_today", "Due today", due("due_today", rowsets.DueWindow.TODAY)),
            Tile(
                "upcoming",
                "Due in the next 7 days",
                due("upcoming", rowsets.DueWindow.NEXT_7),
                note="after today",
            ),
            Tile(
                "wait_ended",
                "Waiting past its date",
                due("wait_ended", rowsets.DueWindow.WAIT_ENDED),
                note="back to its owner",
            ),
            Tile(
                "open",
                "Open backlog",
                Figure(counts.total("open"), s.queue_url()),
                note="New, In progress, Waiting",
            ),
        ],
        CompletedTile(
            f"Completed this week (since {s.week_start:%a %b} {s.week_start.day})",
            Figure(
                counts.total("week_on_time"),
                s.queue_url([*completed, ("timeliness", rowsets.Timeliness.ON_TIME)]),
            ),
            Figure(
                counts.total("week_late"), s.queue_url([*completed, ("timeliness", rowsets.Timeliness.LATE)])
            ),
        ),
    )


# ---- open work by owner, program, risk, location, type ---------------------------------------------


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    open: Figure
    overdue: Figure
    highlight: bool = False

    @property
    def overdue_share(self) -> float:
        return self.overdue.value / self.open.value if self.open.value else 0.0


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    heading: str  # the first column's heading
    rows: list[BreakdownRow]
    note: str = ""


@dataclass(frozen=True)
class Names:
    """Display names for the ids the counts carry, loaded with the filter choices."""

    teams: dict[int, str]
    locations: dict[int, str]
    programs: dict[int, str]
    owners: dict[int, str] = field(default_factory=dict)


def owner_names(counts: Counts) -> dict[int, str]:
    """One query for every owner the counts mention."""
    ids = {r["d_owner"] for rows in counts.rows.values() for r in rows if r["d_owner"] is not None}
    users = User.objects.filter(pk__in=ids).only("pk", "username", "first_name", "last_name")
    return {user.pk: str(user) for user in users}


def _breakdown_rows(s: Slice, counts: Counts, dim: str, label, param) -> list[BreakdownRow]:
    open_, overdue = counts.by("open", dim), counts.by("overdue", dim)
    rows = []
    for key, n in open_.items():
        base = [param(key)]
        rows.append(
            BreakdownRow(
                label(key),
                Figure(n, s.queue_url(base)),
                Figure(overdue.get(key, 0), s.queue_url([*base, ("due", rowsets.DueWindow.OVERDUE)])),
            )
        )
    return sorted(rows, key=lambda r: (-r.open.value, r.label))


def breakdowns(s: Slice, counts: Counts, names: Names) -> list[Breakdown]:
    owners = _breakdown_rows(
        s, counts, "owner", lambda pk: names.owners.get(pk, f"user #{pk}"), lambda pk: ("owner", pk)
    )
    compared = len(owners) >= CAPACITY_MIN_OWNERS
    threshold = CAPACITY_FACTOR * sum(r.open.value for r in owners) / len(owners) if compared else 0
    owners = [
        BreakdownRow(r.label, r.open, r.overdue, highlight=compared and r.open.value > threshold)
        for r in owners
    ]
    risk_labels = dict(RiskLevel.choices)
    kind_labels = dict(TaskKind.choices)
    return [
        Breakdown(
            "owners",
            "Workload by owner",
            "Owner",
            owners,
            note=(
                f"Highlighted: more than {CAPACITY_FACTOR:g} times the average open load of the owners shown "
                f"(over {threshold:.0f} open tasks)."
                if compared
                else ""
            ),
        ),
        Breakdown(
            "programs",
            "By program",
            "Program",
            _breakdown_rows(
                s,
                counts,
                "program",
                lambda pk: names.programs.get(pk, f"program #{pk}") if pk else "No program (ad hoc)",
                lambda pk: ("program", pk or "null"),
            ),
        ),
        Breakdown(
            "risk",
            "By risk level",
            "Risk",
            _breakdown_rows(s, counts, "risk", lambda v: risk_labels.get(v, v), lambda v: ("risk", v)),
        ),
        Breakdown(
            "locations",
            "By location",
            "Location",
            _breakdown_rows(
                s,
                counts,
                "location",
                lambda pk: names.locations.get(pk, f"location #{pk}"),
                lambda pk: ("location", pk),
            ),
        ),
        Breakdown(
            "kinds",
            "By task type",
            "Type",
            _breakdown_rows(s, counts, "kind", lambda v: kind_labels.get(v, v), lambda v: ("kind", v)),
        ),
    ]


# ---- flow: completion rate, reassignment rate, time in status ---------------------------------------


@dataclass(frozen=True)
class CompletionRow:
    label: str
    completed: Figure
    on_time: Figure
    late: Figure

    @property
    def on_time_rate(self) -> float:
        return self.on_time.value / self.completed.value if self.completed.value else 0.0


def completion_by_kind(s: Slice, counts: Counts) -> list[CompletionRow]:
    """Tasks completed in the period, per type: on time (on or before the due date) or late."""
    on_time, late = counts.by("on_time", "kind"), counts.by("late", "kind")
    labels = dict(TaskKind.choices)
    rows = []
    for kind in TaskKind.values:
        done = on_time.get(kind, 0) + late.get(kind, 0)
        if not done:
            continue
        base = [*s.period_params(rowsets.Event.COMPLETED), ("kind", kind)]
        rows.append(
            CompletionRow(
                labels[kind],
                Figure(done, s.queue_url(base)),
                Figure(
                    on_time.get(kind, 0), s.queue_url([*base, ("timeliness", rowsets.Timeliness.ON_TIME)])
                ),
                Figure(late.get(kind, 0), s.queue_url([*base, ("timeliness", rowsets.Timeliness.LATE)])),
            )
        )
    return rows


@dataclass(frozen=True)
class ReassignmentRow:
    label: str
    closed: Figure
    reassigned: Figure
    reassignments: int
    reschedules: int

    @property
    def rate(self) -> float:
        """Reassignments per closed task."""
        return self.reassignments / self.closed.value if self.closed.value else 0.0


def reassignment_rates(s: Slice, counts: Counts, names: Names) -> dict[str, list[ReassignmentRow]]:
    """Tasks closed in the period, by team and by (closing) owner: how often their work changed
    hands, and how often their due date was moved later. A task reassigned twice counts two
    reassignments and one reassigned task."""
    closed = s.period_params(rowsets.Event.CLOSED)

    def rows(dim: str, label, param) -> list[ReassignmentRow]:
        done, moved, moves, later = (
            counts.by(f, dim) for f in ("closed", "reassigned", "reassignments", "reschedules")
        )
        out = []
        for key, n in done.items():
            base = [*closed, param(key)]
            out.append(
                ReassignmentRow(
                    label(key),
                    Figure(n, s.queue_url(base)),
                    Figure(moved.get(key, 0), s.queue_url([*base, ("reassigned", "true")])),
                    moves.get(key, 0),
                    later.get(key, 0),
                )
            )
        return sorted(out, key=lambda r: (-r.rate, r.label))

    return {
        "teams": rows("team", lambda pk: names.teams.get(pk, f"team #{pk}"), lambda pk: ("care_team", pk)),
        "owners": rows("owner", lambda pk: names.owners.get(pk, f"user #{pk}"), lambda pk: ("owner", pk)),
    }


# ---- the page ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    slice: Slice
    tiles: list[Tile]
    completed_week: CompletedTile
    breakdowns: list[Breakdown]
    completion: list[CompletionRow]
    reassignment: dict[str, list[ReassignmentRow]]
    time_in_status: list[StatusTime]
    trend: list[TrendPoint] | None

    def chart_data(self) -> dict:
        """What static/js/dashboard.js draws (rendered with json_script, never executed)."""
        return {
            "trend": None
            if self.trend is None
            else {
                "days": [p.day.isoformat() for p in self.trend],
                "backlog": [p.backlog for p in self.trend],
                "overdue": [p.overdue for p in self.trend],
            },
            "completion": {
                "kinds": [r.label for r in self.completion],
                "on_time": [r.on_time.value for r in self.completion],
                "late": [r.late.value for r in self.completion],
            },
        }


def dashboard(s: Slice, *, names: Names) -> Dashboard:
    counts = count_figures(s)
    names = Names(names.teams, names.locations, names.programs, owner_names(counts))
    tile_list, week = tiles(s, counts)
    return Dashboard(
        slice=s,
        tiles=tile_list,
        completed_week=week,
        breakdowns=breakdowns(s, counts, names),
        completion=completion_by_kind(s, counts),
        reassignment=reassignment_rates(s, counts, names),
        time_in_status=time_in_status(s),
        trend=trend(s),
    )
