import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dashboards import flow_days


class Command(BaseCommand):
    help = (
        "Rebuild the dashboard's flow rows (completions, closings, time in status per closed day) "
        "for the last N days and today up to now: the backfill after installing them, or after a "
        "long stop of the job (which rebuilds the last weeks every 10 minutes). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=flow_days.REBUILD_DAYS, help="Days before today.")

    def handle(self, *args, days: int, **options):
        if days < 1:
            raise CommandError("--days must be at least 1")
        today = timezone.localdate()
        built = flow_days.rebuild(first=today - datetime.timedelta(days=days), last=today)
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {built.days} days: {built.rows} rows."))
