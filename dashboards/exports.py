"""CSV exports of the dashboard's tables, from the same selectors as the page. An export computes
only what its tables need: the counts query once, whether one table is asked for or all."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from dashboards import selectors
from dashboards.counts import Counts, count_figures
from dashboards.selectors import Names, Slice

Table = tuple[list[str], list[list[object]]]


class Export:
    def __init__(self, work: Slice, names: Names):
        self.work = work
        self._names = names

    @cached_property
    def counts(self) -> Counts:
        return count_figures(self.work)

    @cached_property
    def names(self) -> Names:
        n = self._names
        return Names(n.teams, n.locations, n.programs, selectors.owner_names(self.counts))

    def with_period(self, header: list[str], rows: list[list[object]]) -> Table:
        """A period column last, so a spreadsheet of several exports says which weeks it covers."""
        period = f"{self.work.start.isoformat()}..{self.work.end.isoformat()}"
        return [*header, "Period"], [[*row, period] for row in rows]


def _breakdown(key: str) -> Callable[[Export], Table]:
    def table(export: Export) -> Table:
        breakdown = next(
            b for b in selectors.breakdowns(export.work, export.counts, export.names) if b.key == key
        )
        header = [breakdown.heading, "Open", "Overdue", "Overdue share"]
        rows = [[r.label, r.open.value, r.overdue.value, f"{r.overdue_share:.3f}"] for r in breakdown.rows]
        if key == "owners":
            header.append("Over capacity")
            for row, r in zip(rows, breakdown.rows, strict=True):
                row.append("yes" if r.highlight else "")
        return header, rows

    return table


def completion(export: Export) -> Table:
    rows = [
        [r.label, r.completed.value, r.on_time.value, r.late.value, f"{r.on_time_rate:.3f}"]
        for r in selectors.completion_by_kind(export.work, export.counts)
    ]
    return export.with_period(["Type", "Completed", "On time", "Late", "On-time rate"], rows)


def _reassignment(key: str) -> Callable[[Export], Table]:
    def table(export: Export) -> Table:
        rows = [
            [r.label, r.closed.value, r.reassigned.value, r.reassignments, f"{r.rate:.3f}", r.reschedules]
            for r in selectors.reassignment_rates(export.work, export.counts, export.names)[key]
        ]
        heading = "Team" if key == "teams" else "Owner"
        header = [
            heading,
            "Closed tasks",
            "Reassigned tasks",
            "Reassignments",
            "Reassignments per closed task",
            "Reschedules",
        ]
        return export.with_period(header, rows)

    return table


def _hours(value) -> str:
    return "" if value is None else f"{value.total_seconds() / 3600:.2f}"


def time_in_status(export: Export) -> Table:
    rows = [
        [r.label, r.tasks.value, r.exits, _hours(r.median), _hours(r.p90)]
        for r in selectors.time_in_status(export.work)
    ]
    header = ["Status", "Tasks that moved on", "Moves measured", "Median hours", "90th percentile hours"]
    return export.with_period(header, rows)


def trend(export: Export) -> Table:
    points = selectors.trend(export.work) or []
    return ["Day", "Open backlog", "Overdue"], [[p.day.isoformat(), p.backlog, p.overdue] for p in points]


# name → (title, table)
TABLES: dict[str, tuple[str, Callable[[Export], Table]]] = {
    "owners": ("Workload by owner", _breakdown("owners")),
    "programs": ("Open work by program", _breakdown("programs")),
    "risk": ("Open work by risk level", _breakdown("risk")),
    "locations": ("Open work by location", _breakdown("locations")),
    "kinds": ("Open work by task type", _breakdown("kinds")),
    "completion": ("Completion by task type", completion),
    "reassignment-teams": ("Reassignments and reschedules by team", _reassignment("teams")),
    "reassignment-owners": ("Reassignments and reschedules by owner", _reassignment("owners")),
    "time-in-status": ("Time in status", time_in_status),
    "trend": ("Backlog trend", trend),
}
