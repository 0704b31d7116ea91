from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from benchmark import growth


class Command(BaseCommand):
    help = (
        "Growth x10: each case's p95 in the large practice's bench report over its p95 in the "
        "small one's (make bench writes var/bench.json at 1M tasks and var/bench-100k.json at 100k)."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        var = Path(settings.VAR_DIR)
        parser.add_argument("large", nargs="?", default=str(var / "bench.json"))
        parser.add_argument("small", nargs="?", default=str(var / "bench-100k.json"))
        parser.add_argument("--json", default=str(var / "bench-growth.json"))

    def handle(self, *args, **options):
        try:
            large, small = growth.load(options["large"]), growth.load(options["small"])
        except (FileNotFoundError, ValueError) as error:
            raise CommandError(str(error)) from None
        rows = growth.compare(large, small)
        ratio = (large.get("tasks") or 0) / (small.get("tasks") or 1)
        self.stdout.write(
            f"Growth x10: {large.get('database')} ({large.get('tasks', 0):,} tasks) over "
            f"{small.get('database')} ({small.get('tasks', 0):,} tasks), {ratio:.1f} times the tasks"
        )
        self.stdout.write(growth.table(rows, large=large, small=small))
        path = Path(options["json"])
        growth.write_json(rows, path, large=large, small=small)
        self.stdout.write(f"Written to {path}")
