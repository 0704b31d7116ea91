"""The spreadsheet import at practice scale (issue 13's figures): 100,000 patient rows imported
by `manage.py import_rows`'s engine (integrations.imports.runner.execute), then the same file
again (every row unchanged). Timed end to end (reading, checking, saving with history), with the
process's peak resident memory.

Runs inside one transaction rolled back at the end: the practice the bench database holds (and
that other copies are made from) is left as it was."""

from __future__ import annotations

import csv
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

from accounts.models import CareTeam, Location
from integrations.imports.runner import execute
from integrations.models import ImportKind, ImportRun, RunStatus

ROWS = 100_000
LIMITS = {"import_s": 60.0, "rerun_s": 30.0, "peak_mb": 500.0}
MAPPING = {
    "MRN": "mrn",
    "Last Name": "last_name",
    "First Name": "first_name",
    "DOB": "birth_date",
    "Phone": "phone",
    "Team": "care_team",
}


@dataclass
class Figures:
    rows: int
    import_s: float
    rerun_s: float
    peak_mb: float
    cpu_s: float
    load_average: str
    first: str
    second: str

    def lines(self) -> list[str]:
        return [
            f"import of {self.rows:,} patient rows: {self.import_s:.1f} s (limit {LIMITS['import_s']:.0f} s): {self.first}",
            f"re-run of the same file: {self.rerun_s:.1f} s (limit {LIMITS['rerun_s']:.0f} s): {self.second}",
            f"peak memory (max RSS of the process): {self.peak_mb:.0f} MB (limit {LIMITS['peak_mb']:.0f} MB)",
            f"CPU time of this process for both: {self.cpu_s:.1f} s; load average {self.load_average}",
        ]

    @property
    def within_limits(self) -> bool:
        return (
            self.import_s < LIMITS["import_s"]
            and self.rerun_s < LIMITS["rerun_s"]
            and self.peak_mb < LIMITS["peak_mb"]
        )


def peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def write_file(path: Path, rows: int, team: str) -> None:
    """A registry export: US dates in two formats, a phone, the team by name."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(MAPPING)
        for n in range(rows):
            dob = (
                f"{1 + n % 12}/{1 + n % 28}/{1930 + n % 80}"
                if n % 2
                else f"{1930 + n % 80}-{1 + n % 12:02d}-{1 + n % 28:02d}"
            )
            out.writerow([f"BENCH-IMP-{n:07d}", f"Last{n}", f"First{n}", dob, f"555-{n % 10000:04d}", team])


def _run(path: Path, team: CareTeam) -> tuple[float, ImportRun]:
    run = ImportRun.objects.create(kind=ImportKind.PATIENTS, file_name=path.name, mapping=MAPPING, team=team)
    started = time.perf_counter()
    execute(run, path, by=None)
    return time.perf_counter() - started, run


def _summary(run: ImportRun) -> str:
    return f"{run.get_status_display()}, created {run.created}, updated {run.updated}, unchanged {run.unchanged}, refused {run.refused}"


def measure(rows: int = ROWS) -> Figures:
    with tempfile.TemporaryDirectory() as folder, transaction.atomic():
        location, _ = Location.objects.get_or_create(name="Import bench clinic")
        team, _ = CareTeam.objects.get_or_create(name="Import bench team", defaults={"location": location})
        path = Path(folder) / "registry.csv"
        write_file(path, rows, team.name)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_before = usage.ru_utime + usage.ru_stime
        first_s, first = _run(path, team)
        if connection.vendor == "postgresql":
            # What autovacuum does after a load this size; inside this transaction (rolled back)
            # it cannot, and the re-run's lookups would be planned for an empty table.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE careplans_patient")
        second_s, second = _run(path, team)
        if first.status != RunStatus.DONE or first.created != rows or second.unchanged != rows:
            raise AssertionError(
                f"the import did not do what it should: {_summary(first)}; {_summary(second)}"
            )
        usage = resource.getrusage(resource.RUSAGE_SELF)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        cpu = usage.ru_utime + usage.ru_stime - cpu_before
        figures = Figures(rows, first_s, second_s, peak_mb(), cpu, load, _summary(first), _summary(second))
        transaction.set_rollback(True)
    return figures
