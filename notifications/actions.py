"""Every write of the notifications app.

The producers (overdue, wait ended, escalation, digest) share one rule: insert the notice first,
keyed (recipient, task, kind, level, day), and report only the rows this call created. The jobs
email exactly those, so a second run, a retry, a crash halfway or a second beat sends nothing
twice. Producers are set-based: one INSERT ... SELECT per batch, whatever the number of tasks.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import BigIntegerField, BooleanField, Case, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import scope
from accounts.models import User
from bulksql import id_set, insert_select
from notifications import emails, escalation
from notifications.models import (
    DEFAULT_DELIVERY,
    DEFAULT_DIGEST_HOUR,
    Delivery,
    EscalationPolicy,
    Kind,
    Notification,
    NotificationPreference,
)
from tasks import escalation as task_escalation
from tasks import rowsets
from tasks.choices import CLINICAL_KINDS, TaskKind
from tasks.models import Task

log = logging.getLogger(__name__)

# "Newly" overdue: a task that slipped longer ago than this and was never announced (the app
# was down, or just installed on an old backlog) is left to escalation and the digest.
LOOKBACK_DAYS = 7
# The relay re-queues an email that has not gone this long after its notice was made: its
# Celery message was lost (a crash between commit and publish, a broker outage).
RELAY_AFTER = datetime.timedelta(hours=1)
RELAY_WITHIN = datetime.timedelta(days=1)

COLUMNS = ["recipient", "task", "kind", "level", "day", "send_email", "created_at"]
Created = list[tuple[int, bool]]  # (notification id, whether to email it)


def wants_email_now(user_path: str) -> Case:
    """True when the user at `user_path` asked for an email per notice and can receive one."""
    return Case(
        When(
            Q(**{f"{user_path}notification_preference__delivery": Delivery.IMMEDIATE.value})
            & Q(**{f"{user_path}is_active": True})
            & ~Q(**{f"{user_path}email": ""}),
            then=Value(True),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )


def insert_notices(rows, *, columns=COLUMNS) -> Created:
    """Insert the notices `rows` select (in `columns` order), skipping keys already taken."""
    return insert_select(Notification, columns, rows, ignore_conflicts=True, returning=("id", "send_email"))


def _notify_owners(tasks, *, kind: str, day: str, now: datetime.datetime) -> Created:
    """One notice per task to its owner, keyed on the task's `day` field."""
    kind = str(kind)
    announced = Notification.objects.filter(
        recipient=OuterRef("owner_id"), task=OuterRef("pk"), kind=kind, level=0, day=OuterRef(day)
    )
    rows = tasks.filter(~Exists(announced)).values_list(
        "owner_id", "pk", Value(kind), Value(0), day, wants_email_now("owner__"), Value(now)
    )
    return insert_notices(rows)


def notify_overdue(*, today: datetime.date, now: datetime.datetime | None = None) -> Created:
    """Owners hear once of each task that went overdue (New or In progress; a Waiting task is
    announced when its wait ends; a step still waiting for an earlier open one is not: they hear
    when it is their turn, "your step is next"). The key's day is the missed due date, so the notice is a
    function of the task: any number of runs, at any hour, make it once; a new owner after a
    reassignment hears of it too."""
    tasks = Task.objects.filter(
        rowsets.ACTIVE & rowsets.overdue_q(today) & ~rowsets.blocked_q(),
        due_on__gte=today - datetime.timedelta(days=LOOKBACK_DAYS),
    )
    return _notify_owners(tasks, kind=Kind.OVERDUE, day="due_on", now=now or timezone.now())


def notify_waiting_expired(*, today: datetime.date, now: datetime.datetime | None = None) -> Created:
    """A Waiting task whose waiting-until date has passed comes back to its owner (the queues
    already flag it "wait ended"); keyed on that date, so a new wait brings a new notice."""
    tasks = Task.objects.filter(
        rowsets.wait_ended_q(today),
        waiting_until__gte=today - datetime.timedelta(days=LOOKBACK_DAYS),
    )
    return _notify_owners(tasks, kind=Kind.WAITING_EXPIRED, day="waiting_until", now=now or timezone.now())


def _recipients(step: escalation.Step, raised: list[int]) -> list:
    """Team rights joined to the raised tasks, one queryset per kind of recipient: managers for
    level 1 (of every kind of work: the team's work is theirs, whatever other role they hold);
    for level 2, members of the task's team holding the step's role. Providers (who hold the
    clinical right) hear only of clinical kinds of work unless the step's policies say every
    kind, and when the step's role is a providers' role, the other kinds' second level goes to
    the team's managers instead, so no overdue task is raised without anyone told."""
    managers = scope.rights(scope.MANAGE, ids_first=True).filter(user__is_active=True)
    if step.role is escalation.MANAGERS:
        return [managers.filter(content_object__tasks__in=id_set(raised))]
    holders = scope.rights(ids_first=True).filter(user__groups=step.role, user__is_active=True)
    if step.every_kind:
        return [holders.filter(content_object__tasks__in=id_set(raised))]
    providers = list(escalation.provider_ids())
    # One filter() call: each condition on the tasks must apply to the same joined task.
    heard = Q(content_object__tasks__kind__in=CLINICAL_KINDS) | ~Q(user_id__in=providers)
    found = [holders.filter(heard, content_object__tasks__in=id_set(raised))]
    if escalation.role_is_clinical(step.role):
        found.append(
            managers.filter(
                content_object__tasks__kind__in=[k for k in TaskKind.values if k not in CLINICAL_KINDS],
                content_object__tasks__in=id_set(raised),
            )
        )
    return found


def escalate_overdue(*, today: datetime.date, now: datetime.datetime | None = None) -> Created:
    """Raise overdue tasks past their policy's thresholds and tell the next level, one step
    (level, threshold, role) at a time, each in its own transaction. The task's escalation
    level is the claim: a task already at the level is skipped, so nobody hears twice."""
    now = now or timezone.now()
    created: Created = []
    for step in escalation.steps(list(EscalationPolicy.objects.all())):
        with transaction.atomic():
            raised = task_escalation.escalate_tasks(
                step.candidates(today=today), level=step.level, reason=step.reason, now=now
            )
            if not raised:
                continue
            made = []
            for recipients in _recipients(step, raised):
                rows = recipients.values_list(
                    "user_id",
                    "content_object__tasks__id",
                    Value(Kind.ESCALATION.value),
                    Value(step.level),
                    "content_object__tasks__due_on",
                    wants_email_now("user__"),
                    Value(now),
                ).distinct()
                made += insert_notices(rows)
            created += made
            log.info("escalation level %s: %s tasks raised, %s notices", step.level, len(raised), len(made))
    return created


# ---- digest -------------------------------------------------------------------------------


def digest_recipients(*, today: datetime.date, hour: int):
    """Users who take a digest, whose hour has come today and who have had none today. No
    preference row means the defaults."""
    had_one = Notification.objects.filter(recipient=OuterRef("pk"), kind=Kind.DIGEST, task=None, day=today)
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .annotate(
            delivery=Coalesce("notification_preference__delivery", Value(DEFAULT_DELIVERY.value)),
            hour=Coalesce("notification_preference__digest_hour", Value(DEFAULT_DIGEST_HOUR)),
        )
        .filter(delivery=Delivery.DIGEST.value, hour__lte=hour)
        .filter(~Exists(had_one))
    )


def claim_digests(*, now: datetime.datetime | None = None) -> Created:
    """One digest per user per day, at their hour or the first run after it, for users with
    something to report. A user with nothing is looked at again next hour."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    due = list(digest_recipients(today=today, hour=local.hour).values_list("pk", flat=True))
    counts = emails.digest_counts(due, today=today)
    reporting = [user_id for user_id in due if counts[user_id].anything]
    if not reporting:
        return []
    rows = User.objects.filter(pk__in=id_set(reporting)).values_list(
        "pk",
        Value(None, output_field=BigIntegerField()),
        Value(Kind.DIGEST.value),
        Value(0),
        Value(today),
        Value(True),
        Value(now),
    )
    return insert_notices(rows)


# ---- email --------------------------------------------------------------------------------


def deliver_email(notification_id: int) -> bool:
    """Send one notice's email, at most once. The claim (email_started_at) is committed before
    the SMTP conversation and the stamp (emailed_at) after it, so a worker killed in between
    leaves the notice claimed and unstamped: its email may have left, and it is never sent
    again (the notice stays in the inbox; the relay logs it). An SMTP error, whose outcome is
    known, lifts the claim and propagates: the Celery task retries it."""
    notification = (
        Notification.objects.select_related("recipient", "task", "activity__actor", "emergency_access__user")
        .filter(pk=notification_id, send_email=True, emailed_at__isnull=True, email_started_at__isnull=True)
        .first()
    )
    if notification is None:
        return False
    recipient = notification.recipient
    if not recipient.is_active or not recipient.email:
        Notification.objects.filter(pk=notification.pk).update(send_email=False)
        return False
    subject, body = emails.render(notification)
    unclaimed = Notification.objects.filter(pk=notification.pk, email_started_at__isnull=True)
    if not unclaimed.update(email_started_at=timezone.now()):
        return False  # another worker (a duplicate message) claimed it first
    try:
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email]).send()
    except Exception:
        Notification.objects.filter(pk=notification.pk).update(email_started_at=None)
        raise
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True


def unsent_emails(*, now: datetime.datetime | None = None, limit: int = 1000) -> list[int]:
    """Notices whose email should have gone long ago: their message was lost. Recent ones may
    still be in the queue or retrying, and older than a day is news no longer. A notice whose
    send was cut off (claimed, never stamped) is not among them: it may have gone out."""
    now = now or timezone.now()
    due = Notification.objects.filter(
        send_email=True,
        emailed_at__isnull=True,
        created_at__gte=now - RELAY_WITHIN,
        created_at__lte=now - RELAY_AFTER,
    )
    cut_off = due.filter(email_started_at__lte=now - RELAY_AFTER).count()
    if cut_off:
        log.warning(
            "%d notice email(s) were cut off mid-send and are not resent (they may have gone)", cut_off
        )
    return list(
        due.filter(email_started_at__isnull=True).order_by("created_at").values_list("pk", flat=True)[:limit]
    )


# ---- inbox and preferences ----------------------------------------------------------------


def mark_read(notification: Notification) -> None:
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def mark_all_read(user, *, kind: str | None = None, received: datetime.date | None = None) -> int:
    """All the user's unread notices, or those of one inbox line (a kind, a day received)."""
    unread = Notification.objects.unread_for(user)
    if kind is not None:
        unread = unread.filter(kind=kind).received_on(received)
    return unread.update(read_at=timezone.now())


def save_preference(user, *, delivery: str, digest_hour: int) -> NotificationPreference:
    preference = NotificationPreference.for_user(user)
    preference.delivery = delivery
    preference.digest_hour = digest_hour
    preference._history_user = user
    preference.full_clean()
    preference.save()
    return preference
