"""Fixtures for the notification jobs: the practice's clock, eager Celery for jobs that queue
email, and a few ways to read what was made."""

import datetime
import importlib
import zoneinfo

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from accounts.roles import Role, sync_role_permissions
from config.celery import app as celery_app
from notifications.models import EscalationPolicy, Kind, Notification

PRACTICE_TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """An aware instant at the practice's wall-clock time on `day`."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PRACTICE_TZ)


def keys(kind: str | None = None) -> list[tuple]:
    """Every notice as its key (recipient username, task id, kind, level, day)."""
    rows = Notification.objects.order_by("pk")
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.values_list("recipient__username", "task_id", "kind", "level", "day"))


@pytest.fixture
def eager_celery():
    """Celery tasks run in-process on .delay(); retries run at once, without their countdown.
    Only what leaves the machine (the SMTP server) is replaced, by Django's locmem backend."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield celery_app
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def seeded(transactional_db):
    """What the data migrations put in: a transactional test before this one may have flushed
    the role groups and the default escalation policies, so put them back (idempotent)."""
    sync_role_permissions()
    defaults = importlib.import_module("notifications.migrations.0002_default_escalation_policies").DEFAULTS
    providers = Group.objects.get(name=Role.PROVIDER)  # as 0005 maps the policies' role names
    for values in defaults:
        EscalationPolicy.objects.get_or_create(
            program=None,
            risk_level=values["risk_level"],
            defaults={**values, "second_level_group": providers},
        )


__all__ = ["Kind", "keys", "local"]
