import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dashboards import services


class Command(BaseCommand):
    help = (
        "Rebuild the dashboard's daily backlog snapshots of the last N days (today included) from "
        "the tasks' history. Safe to run again: each day's rows are replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90, help="How many days back, today included.")

    def handle(self, *args, days: int, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        last = timezone.localdate()
        first = last - datetime.timedelta(days=days - 1)
        result = services.take_snapshots(first=first, last=last)
        self.stdout.write(
            self.style.SUCCESS(
                f"Snapshots of {result.days} days ({first.isoformat()} to {last.isoformat()}): {result.rows} rows."
            )
        )
