from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from benchmark import imports


class Command(BaseCommand):
    help = (
        "Time the spreadsheet import: 100,000 patient rows, then the same file again (all "
        "unchanged), with peak memory. Rolled back: the database is left as it was."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=imports.ROWS)
        parser.add_argument("--json", default=str(Path(settings.VAR_DIR) / "bench-imports.json"))

    def handle(self, *args, rows, json: str, **options):
        figures = imports.measure(rows)
        for line in figures.lines():
            self.stdout.write(line)
        path = Path(json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(__import__("json").dumps(figures.__dict__, indent=2))
        self.stdout.write(f"Written to {path}")
        if rows == imports.ROWS and not figures.within_limits:
            raise CommandError("The import is over its limits (issue 13).")
