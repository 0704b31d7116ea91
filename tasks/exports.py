"""CSV exports of task lists: the queue's, and the helper every export uses against formula
injection (dashboards.exports writes its tables with it too)."""

from __future__ import annotations

import csv
from collections.abc import Iterator

EXPORT_COLUMNS = [
    ("Task id", lambda t: t.pk),
    ("Patient", lambda t: f"{t.patient.last_name}, {t.patient.first_name}"),
    ("MRN", lambda t: t.patient.mrn),
    ("Task", lambda t: t.title),
    ("Type", lambda t: t.get_kind_display()),
    ("Program", lambda t: t.care_plan.program.name if t.care_plan else ""),
    ("Owner", lambda t: str(t.owner)),
    ("Due", lambda t: t.due_on.isoformat()),
    ("Status", lambda t: t.get_status_display()),
    ("Priority", lambda t: t.get_priority_display()),
    ("Waiting reason", lambda t: t.get_waiting_reason_display() if t.waiting_reason else ""),
    ("Waiting until", lambda t: t.waiting_until.isoformat() if t.waiting_until else ""),
]


# OWASP's list: a spreadsheet may read a cell starting with any of these as a formula (tab and
# carriage return: some strip them, then read what follows).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """Spreadsheet formula injection: a cell starting like a formula is read as text."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file whose write() returns the line: csv.writer then yields lines to stream."""

    def write(self, value):
        return value


def queue_rows(tasks) -> Iterator[str]:
    """The header, then one CSV line per task of `tasks` (a for_queue() queryset), read in
    chunks so a large export never holds every row at once."""
    writer = csv.writer(_Echo())
    yield writer.writerow([name for name, _ in EXPORT_COLUMNS])
    for task in tasks.iterator(chunk_size=2000):
        yield writer.writerow([csv_safe(get(task)) for _, get in EXPORT_COLUMNS])
