"""A run: the file read in chunks, once (after a count of its rows, for the progress bar).

Each chunk of rows is checked (what each row would do, or why it is refused) and, while nothing
has been refused, saved; all in one transaction, rolled back at the end if any row of the file
was refused (or for a dry run). A run is all or nothing: a refusal anywhere, or a failure while
saving, leaves the database as it was; the counts are the summary and the refusals the run's row
errors (its error report). Running the same file again finds every row unchanged.

Progress (rows checked, rows saved) is written as the run goes, from its own connection (the
run's transaction is invisible to others until it commits), so a page polling the run shows it
move. Memory holds a chunk of rows and the keys seen so far, never the file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.db import connection, connections, transaction
from django.utils import timezone

from integrations.imports.appointments import AppointmentHandler
from integrations.imports.base import CREATE, UNCHANGED, UPDATE, Handler, Row, normalize, sole_team
from integrations.imports.patients import PatientHandler
from integrations.imports.plans import CarePlanHandler, EnrollmentHandler
from integrations.imports.reading import UnreadableFile, count_rows, open_sheet
from integrations.imports.values import BadValue
from integrations.models import ImportRowError, ImportRun, RunStatus

log = logging.getLogger(__name__)

HANDLERS: dict[str, type[Handler]] = {
    h.kind: h for h in (PatientHandler, AppointmentHandler, EnrollmentHandler, CarePlanHandler)
}
CHUNK = 2000
# The error report keeps this many refusals; the count of refused rows is always exact.
MAX_ERRORS = 20000
PREVIEW_ROWS = 20


class MappingProblem(Exception):
    """The mapping cannot work: a needed field has no column."""


def guess_mapping(kind: str, headers: list[str]) -> dict[str, str]:
    """{header: field} from the headers' names ("DOB", "Date of Birth", "birth_date" all map to
    birth_date); each field once, the first column that names it."""
    lookup = {}
    for f in HANDLERS[kind].fields:
        for alias in (normalize(f.name), normalize(f.label), *f.aliases):
            lookup.setdefault(alias, f.name)
    mapping, taken = {}, set()
    for header in headers:
        name = lookup.get(normalize(header))
        if header and name and name not in taken:
            mapping[header] = name
            taken.add(name)
    return mapping


def mapping_problems(kind: str, mapping: dict[str, str]) -> list[str]:
    handler = HANDLERS[kind]
    labels = {f.name: f.label for f in handler.fields}
    mapped = set(mapping.values())
    problems = [f"“{value}” is no field of this import." for value in mapped if value and value not in labels]
    for choices in handler.needs:
        if not mapped & set(choices):
            problems.append("Map a column to " + " or ".join(labels[c] for c in choices) + ".")
    used = [v for v in mapping.values() if v]
    problems += [
        f"Two columns map to {labels.get(v, v)}." for v in sorted({v for v in used if used.count(v) > 1})
    ]
    return problems


def team_problem(kind: str, mapping: dict[str, str], team) -> str:
    """Why the file cannot be imported as mapped for want of a team, or "": with no column mapped
    to the handler's team field, every new row would lack one. Said once, for the file (the
    mapping page, the command line), never as the same error on each row."""
    handler = HANDLERS[kind]
    if not handler.team_field or team is not None or handler.team_field in mapping.values():
        return ""
    label = next(f.label for f in handler.fields if f.name == handler.team_field)
    return f"Choose a team for this file, or map a column to {label}."


def file_team(run: ImportRun, *, by):
    """The team of the run's rows that name none: the one chosen, else the importer's only team."""
    return run.team or sole_team(by)


def file_problems(run: ImportRun, *, by) -> list[str]:
    """What refuses the file as a whole before any row is read: its mapping, its team."""
    problems = mapping_problems(run.kind, run.mapping)
    missing_team = team_problem(run.kind, run.mapping, file_team(run, by=by))
    return [*problems, missing_team] if missing_team else problems


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    errors: list[tuple[int, str, str, str]] = field(default_factory=list)  # row, key, column, reason
    preview: list[Row] = field(default_factory=list)

    def add(self, rows: list[Row], *, keep_preview: int = 0) -> None:
        for row in rows:
            if row.refused:
                self.refused += 1
                room = MAX_ERRORS - len(self.errors)
                self.errors.extend(
                    (row.number, row.key, column, message) for column, message in row.errors[:room]
                )
            elif row.action == CREATE:
                self.created += 1
            elif row.action == UPDATE:
                self.updated += 1
            elif row.action == UNCHANGED:
                self.unchanged += 1
            if len(self.preview) < keep_preview:
                self.preview.append(row)

    @property
    def to_change(self) -> int:
        return self.created + self.updated


def _chunks(kind: str, path: Path, mapping: dict[str, str], limit: int | None = None) -> Iterator[list[Row]]:
    sheet = open_sheet(path)
    try:
        columns = [(i, header, mapping.get(header)) for i, header in enumerate(sheet.headers)]
        columns = [(i, name) for i, header, name in columns if name]
        # What a message calls each field: its column's header, else its label. Shared by every
        # row: read only.
        headers = {f.name: f.label for f in HANDLERS[kind].fields} | {
            name: sheet.headers[i] for i, name in columns
        }
        rows = sheet.rows if limit is None else islice(sheet.rows, limit)
        while True:
            raw = list(islice(rows, CHUNK))
            if not raw:
                return
            yield [
                Row(
                    number=number,
                    values={name: cells[i] if i < len(cells) else None for i, name in columns},
                    headers=headers,
                )
                for number, cells in raw
            ]
    finally:
        sheet.close()


def make_handler(run: ImportRun, *, by) -> Handler:
    return HANDLERS[run.kind](
        by=by, team=file_team(run, by=by), source=run.source or "import", reason=run.label
    )


def preview(run: ImportRun, path: Path, *, by, rows: int = PREVIEW_ROWS) -> Counts:
    """The first `rows` rows as they would be saved, or why not: reads only."""
    handler = make_handler(run, by=by)
    handler.show = True
    counts = Counts()
    for chunk in _chunks(run.kind, path, run.mapping, limit=rows):
        handler.check(chunk)
        handler.identify(chunk)
        counts.add(chunk, keep_preview=rows)
    return counts


class _Progress:
    """Writes the run's progress where other connections see it at once."""

    def __init__(self, run: ImportRun, report: Callable[[ImportRun], None] | None):
        self.run, self.report = run, report
        self.side = None

    def __call__(self, **fields) -> None:
        for name, value in fields.items():
            setattr(self.run, name, value)
        if not connection.in_atomic_block:
            ImportRun.objects.filter(pk=self.run.pk).update(**fields)
        elif connection.vendor == "postgresql":
            # Saving runs in one transaction: its own writes show nobody anything until commit.
            if self.side is None:
                self.side = connections.create_connection("default")
            sets = ", ".join(f"{name} = %s" for name in fields)
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE integrations_importrun SET {sets} WHERE id = %s",  # noqa: S608  # nosec B608  # field names from this module
                    [*fields.values(), self.run.pk],
                )
        if self.report:
            self.report(self.run)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def execute(
    run: ImportRun, path: Path, *, by, report: Callable[[ImportRun], None] | None = None
) -> ImportRun:
    """Run `run` on the file at `path` as `by` (None: the command line). Returns the run, its
    status and counts saved."""
    progress = _Progress(run, report)
    run.row_errors.all().delete()
    try:
        progress(status=RunStatus.RUNNING, total_rows=count_rows(path), processed_rows=0, saved_rows=0)
        counts = _run(run, path, by=by, progress=progress)
        if counts.refused:
            status, message = (
                RunStatus.REFUSED,
                "Rows were refused: nothing was imported. Fix them and import the file again.",
            )
        elif run.dry_run:
            status, message = RunStatus.DONE, "Dry run: nothing was saved."
        elif counts.to_change:
            status, message = RunStatus.DONE, ""
        else:
            status, message = RunStatus.DONE, "Every row is as the file says: nothing to change."
    except (MappingProblem, BadValue, UnreadableFile) as problem:
        counts, status, message = Counts(), RunStatus.FAILED, str(problem)[:300]
    except Exception as failure:
        # Logged by its kind only: a database error's message can quote a row (an MRN), and
        # patient data stays out of logs. The run says it failed; nothing was saved.
        log.error("import run %s failed: %s", run.pk, type(failure).__name__)
        counts, status, message = Counts(), RunStatus.FAILED, "The import failed: nothing was saved."
    finally:
        progress.close()
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(run=run, row=n, key=k, column=c[:120], message=m[:300])
            for n, k, c, m in counts.errors
        ],
        batch_size=2000,
    )
    run.status, run.message, run.finished_at = status, message, timezone.now()
    # A refused run wrote nothing: it reports no row created, updated or unchanged, only the
    # refusals (what the rows would have done is the preview's to say).
    written = status != RunStatus.REFUSED
    run.created, run.updated, run.unchanged, run.refused = (
        counts.created if written else 0,
        counts.updated if written else 0,
        counts.unchanged if written else 0,
        counts.refused,
    )
    run.save()
    if report:
        report(run)
    return run


def _run(run: ImportRun, path: Path, *, by, progress: _Progress) -> Counts:
    """Check each chunk and, while no row has been refused, save it, all in one transaction:
    rolled back at the end when a row was refused (anywhere in the file) or for a dry run.
    After the first refusal the rest is only checked, so the error report lists them all."""
    problems = file_problems(run, by=by)
    if problems:
        raise MappingProblem(" ".join(problems))
    handler = make_handler(run, by=by)
    counts = Counts()
    done = 0
    with transaction.atomic():
        for chunk in _chunks(run.kind, path, run.mapping):
            handler.check(chunk)
            handler.identify(chunk)
            counts.add(chunk)
            done += len(chunk)
            if counts.refused or run.dry_run:
                progress(processed_rows=done)
                continue
            handler.write([row for row in chunk if row.action in (CREATE, UPDATE)])
            progress(processed_rows=done, saved_rows=done)
        if counts.refused or run.dry_run:
            transaction.set_rollback(True)
    return counts
