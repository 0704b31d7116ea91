from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from benchmark.loadtest import lost_updates


class Command(BaseCommand):
    help = (
        "After the load test: every change it logged is in the database with its history and "
        "timeline rows, and every touched task's version equals its number of changes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "log", nargs="?", default=str(Path(settings.VAR_DIR) / "loadtest" / "actions.jsonl")
        )

    def handle(self, *args, **options):
        try:
            entries = lost_updates.read_log(Path(options["log"]))
        except FileNotFoundError:
            raise CommandError(f"{options['log']}: no action log (run make loadtest)") from None
        result = lost_updates.check(entries)
        for problem in [*result.lost, *result.inconsistent][:50]:
            self.stderr.write(problem)
        self.stdout.write(
            f"{result.actions} actions logged on {result.tasks} tasks ({result.changes} changes, "
            f"{result.notes} notes): lost updates {len(result.lost)}, inconsistent versions "
            f"{len(result.inconsistent)}"
        )
        if not result.ok:
            raise CommandError(
                "the load test's changes are not all in the database"
                if result.actions
                else "no action logged"
            )
