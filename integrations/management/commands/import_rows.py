"""manage.py import_rows {patients,appointments,enrollments,careplans} FILE [--source NAME]
[--map COLUMN=field ...] [--team TEAM] [--dry-run]

The spreadsheet import from the command line, as the system: every team, every patient. Prints
the run's summary and its refused rows; exits 1 when a row was refused (nothing was imported),
or before reading a row when the file cannot be imported as mapped (patients with no team column
and no --team, where the practice has several teams)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import CareTeam
from integrations.imports.base import sole_team
from integrations.imports.reading import UnreadableFile, open_sheet
from integrations.imports.runner import HANDLERS, execute, guess_mapping, team_problem
from integrations.models import ImportKind, ImportMapping, ImportRun, RunStatus
from integrations.summary import summary_lines

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "Import patients, appointments, enrollments or care plans from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--source", default="", help="A saved mapping's name; also the appointments' source."
        )
        parser.add_argument(
            "--map",
            action="extend",
            nargs="+",
            default=[],
            metavar="COLUMN=field",
            help="Map a column header to a field (COLUMN= ignores the column). Overrides the guess "
            "from the headers and the saved mapping.",
        )
        parser.add_argument("--team", default="", help="The care team of rows that name none.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row; save nothing.")

    def handle(self, *args, kind, file, source, map, team, dry_run, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        care_team = None
        if team:
            care_team = CareTeam.objects.filter(name__iexact=team).first()
            if care_team is None:
                raise CommandError(f"No care team named {team!r}.")
        try:
            sheet = open_sheet(file)
            sheet.close()
        except UnreadableFile as problem:
            raise CommandError(str(problem)) from None
        mapping = guess_mapping(kind, sheet.headers)
        saved = ImportMapping.objects.filter(name=source, kind=kind).first() if source else None
        if saved:
            mapping = {h: f for h, f in saved.columns.items() if h in sheet.headers}
        fields = {f.name for f in HANDLERS[kind].fields}
        for item in map:
            column, sep, name = item.partition("=")
            if not sep or column not in sheet.headers:
                raise CommandError(f"--map {item!r}: give COLUMN=field, COLUMN one of the file's headers.")
            if name and name not in fields:
                raise CommandError(f"--map {item!r}: the fields are {', '.join(sorted(fields))}.")
            mapping = {h: f for h, f in mapping.items() if f != name or not name}
            mapping[column] = name
        mapping = {h: f for h, f in mapping.items() if f}
        care_team = care_team or sole_team(None)
        missing_team = team_problem(kind, mapping, care_team)
        if missing_team:  # the file's problem, said once: no run, nothing read
            field = HANDLERS[kind].team_field
            raise CommandError(f"{missing_team} (--team TEAM, or --map COLUMN={field})")
        run = ImportRun.objects.create(
            kind=kind,
            source=source,
            file_name=file.name[:200],
            mapping=mapping,
            team=care_team,
            dry_run=dry_run,
        )
        execute(run, file, by=None)
        for line in summary_lines(run):
            self.stdout.write(line)
        errors = list(run.row_errors.all()[:SHOWN_ERRORS])
        for error in errors:
            self.stdout.write(f"  row {error.row}, {error.column}: {error.message}")
        if run.refused > len(errors):
            self.stdout.write(f"  ... {run.refused} rows refused in all.")
        if run.status == RunStatus.FAILED:
            raise CommandError(run.message or "The import failed.")
        if run.refused:
            raise CommandError(f"{run.refused} rows refused: nothing was imported.", returncode=1)
