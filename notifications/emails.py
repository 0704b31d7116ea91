"""What an email says. No patient name, MRN, date of birth, task title or note ever goes into
one: an email leaves our systems, so it carries counts, dates, kinds and a link to sign in."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse

from accounts import scope
from bulksql import id_set
from notifications.models import HANDOFF_KINDS, Kind, Notification
from tasks import rowsets
from tasks.choices import OPEN_STATUSES
from tasks.models import Task


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@dataclass
class DigestCounts:
    overdue: int = 0
    due_today: int = 0
    wait_ended: int = 0
    upcoming: int = 0
    unread: int = 0
    handoffs: int = 0  # unread handoffs: reassigned to them, reopened for them, their step next
    escalated: int | None = None  # only for managers: open escalated tasks of their teams

    @property
    def anything(self) -> bool:
        return any(
            (
                self.overdue,
                self.due_today,
                self.wait_ended,
                self.upcoming,
                self.unread,
                self.handoffs,
                self.escalated,
            )
        )


def digest_counts(user_ids: list[int], *, today: datetime.date) -> dict[int, DigestCounts]:
    """The digest's figures for many users in three queries: their own open work (the My work
    sections), their unread notices, and open escalated work in the teams they manage."""
    counts = {user_id: DigestCounts() for user_id in user_ids}
    if not user_ids:
        return counts
    users = id_set(user_ids)
    sections = {name: rowsets.MY_WORK_SECTIONS[name](today) for name in ("overdue", "due_today", "upcoming")}
    own = (
        Task.objects.open()
        .filter(owner_id__in=users)
        .values("owner_id")
        .annotate(
            **{name: Count("pk", filter=condition) for name, condition in sections.items()},
            wait_ended=Count("pk", filter=rowsets.wait_ended_q(today)),
        )
        .order_by()
    )
    for row in own:
        figures = counts[row.pop("owner_id")]
        for name, value in row.items():
            setattr(figures, name, value)
    unread = (
        Notification.objects.filter(recipient_id__in=users, read_at__isnull=True)
        .exclude(kind=Kind.DIGEST)
        .values("recipient_id")
        .annotate(n=Count("pk"), handoffs=Count("pk", filter=Q(kind__in=HANDOFF_KINDS)))
        .order_by()
    )
    for row in unread:
        counts[row["recipient_id"]].unread = row["n"]
        counts[row["recipient_id"]].handoffs = row["handoffs"]
    managed = (
        scope.rights(scope.MANAGE)
        .filter(user_id__in=users)
        .values("user_id")
        .annotate(
            n=Count(
                "content_object__tasks",
                filter=Q(
                    content_object__tasks__status__in=OPEN_STATUSES,
                    content_object__tasks__escalation_level__gte=1,
                ),
            )
        )
        .order_by()
    )
    for row in managed:
        counts[row["user_id"]].escalated = row["n"]
    return counts


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user else "Followthrough"


def render(notification: Notification) -> tuple[str, str]:
    """(subject, body) of a notice's email."""
    if notification.kind == Kind.DIGEST:
        today = notification.day
        figures = digest_counts([notification.recipient_id], today=today)[notification.recipient_id]
        context = {
            "day": today,
            "figures": figures,
            "upcoming_days": rowsets.UPCOMING_DAYS,
            "my_work_url": absolute(reverse("my_work")),
            "dashboard_url": absolute(reverse("dashboard")),
        }
        template = "notifications/email/digest.txt"
    elif notification.kind == Kind.EMERGENCY_ACCESS:
        # Who broke the glass (staff) and until when; the patient and the reason stay in the inbox.
        access = notification.emergency_access
        context = {
            "notification": notification,
            "opened_by": _person(access.user),
            "until": access.expires_at,
        }
        template = "notifications/email/emergency_access.txt"
    else:
        task = notification.task
        context = {
            "notification": notification,
            "due_on": task.due_on,
            "task_kind": task.get_kind_display(),
            "task_url": absolute(task.get_absolute_url()),
            # A handoff names the colleague who made it (staff, not patient data); never the reason.
            "handed_by": _person(notification.activity.actor) if notification.activity_id else "",
        }
        template = "notifications/email/notice.txt"
    context.update(
        inbox_url=absolute(reverse("inbox")),
        preferences_url=absolute(reverse("notification_preferences")),
    )
    subject = f"Followthrough: {notification.headline}"
    return subject, render_to_string(template, context)
