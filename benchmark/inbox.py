"""The inbox of a busy manager: INBOX_NOTICES notices over the last weeks, mostly escalations and
overdue notices of their teams' tasks, some handoffs. Made once, set-based, keyed like the jobs'
rows (so running the bench again adds nothing), and left in the bench database."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import DateTimeField, F, Value
from django.utils import timezone

from bulksql import insert_select
from notifications.models import Kind, Notification
from tasks.models import Task

INBOX_NOTICES = 3_000
DAYS = 30
# kind, level, share of the notices
MIX = [(Kind.ESCALATION, 1, 0.5), (Kind.OVERDUE, 0, 0.3), (Kind.REASSIGNED, 0, 0.2)]


def ensure_inbox(user, *, today: dt.date | None = None) -> int:
    """At least INBOX_NOTICES task notices for `user`, spread over DAYS days received, a third
    unread. Returns how many the user has."""
    have = Notification.objects.filter(recipient=user).exclude(kind=Kind.DIGEST).count()
    if have >= INBOX_NOTICES:
        return have
    today = today or timezone.localdate()
    tasks = list(Task.objects.visible_to(user).order_by("pk").values_list("pk", flat=True)[:INBOX_NOTICES])
    start = 0
    for kind, level, share in MIX:
        chunk = tasks[start : start + int(len(tasks) * share)]
        start += len(chunk)
        for offset in range(DAYS):
            ids = chunk[offset::DAYS]
            if not ids:
                continue
            day = today - dt.timedelta(days=offset)
            received = timezone.make_aware(dt.datetime.combine(day, dt.time(9))) + dt.timedelta(
                minutes=offset
            )
            rows = Task.objects.filter(pk__in=ids).values_list(
                Value(user.pk),
                "pk",
                Value(str(kind)),
                Value(level),
                Value(day),
                Value(False),
                Value(received),
                Value(received if offset % 3 else None, output_field=DateTimeField()),  # a third unread
            )
            insert_select(
                Notification,
                ["recipient", "task", "kind", "level", "day", "send_email", "created_at", "read_at"],
                rows,
                ignore_conflicts=True,
            )
    return Notification.objects.filter(recipient=user).exclude(kind=Kind.DIGEST).count()


def ready(user) -> None:
    """The inbox filled, and its table vacuumed as autovacuum would: the job cases insert tens
    of thousands of notices and roll them back, and the dead rows they leave sent the unread
    count's index-only scan to the table (13.7 ms p95 became 27 ms)."""
    ensure_inbox(user)
    # VACUUM runs outside a transaction only (a test's database is in one: it skips this).
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) notifications_notification")


def biggest_line(user) -> tuple[str, dt.date]:
    """The inbox line (kind, day received) with the most notices: the one a manager opens."""
    group = Notification.objects.groups_for(user).order_by(-F("count")).first()
    return group["kind"], group["received"]
