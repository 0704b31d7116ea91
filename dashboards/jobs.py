"""Celery jobs of the dashboards. Thin: they take no objects and call dashboards.services."""

import datetime

from celery import shared_task
from django.db import IntegrityError, OperationalError
from django.utils import timezone

from dashboards import flow_days, open_counts, services


@shared_task(autoretry_for=(OperationalError, IntegrityError), retry_backoff=60, max_retries=5)
def take_daily_snapshot(day: str | None = None) -> int:
    """Snapshot the backlog at the start of `day` (ISO date; today in the practice's time zone
    by default). Running it again, or concurrently, replaces the day's rows: a second run that
    collides with the first on the unique constraint retries and replaces them."""
    when = datetime.date.fromisoformat(day) if day else timezone.localdate()
    return services.take_snapshots(first=when, last=when).rows


@shared_task(autoretry_for=(OperationalError,), retry_backoff=60, max_retries=5)
def maintain_open_counts() -> str:
    """The dashboard's kept open-work counts (dashboards.open_counts): rebuilt on the first run
    of a new day in the practice's time zone (the windows they are clamped to move with the
    day), else the rows appended by writes summed up. Idempotent; a rebuild that cannot lock the
    counts within seconds fails and is retried."""
    return open_counts.maintain()


@shared_task(autoretry_for=(OperationalError, IntegrityError), retry_backoff=60, max_retries=5)
def maintain_flow_days() -> str:
    """The dashboard's flow rows of the last weeks' closed days (dashboards.flow_days), rebuilt
    whole: a task reopened, reassigned or transferred after its closing day is counted as it
    stands within 10 minutes. Idempotent; a run that collides with another retries."""
    built = flow_days.maintain()
    return f"rebuilt {built.days} days: {built.rows} rows"
