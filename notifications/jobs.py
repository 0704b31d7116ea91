"""Background work of the notifications app. Each Celery task is a thin interface: it takes
ids (or nothing), calls notifications.actions, and queues one email task per notice that the
call created, after commit. The schedule is in config/celery.py."""

import datetime
import smtplib

from celery import shared_task
from django.utils import timezone

from notifications import actions
from tasks.commit import publish_after_commit

# An SMTP refusal or a network failure (refused, reset, timed out, name lookup): retry later.
EMAIL_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(
    autoretry_for=EMAIL_ERRORS,
    retry_backoff=30,  # 30 s, 1 min, 2 min ... capped at 10 min, with jitter
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    ignore_result=True,
)
def send_notification_email(notification_id: int) -> bool:
    """One notice's email. Safe to run twice: a notice already emailed is skipped."""
    return actions.deliver_email(notification_id)


def queue_emails(created: actions.Created) -> int:
    """One email task per notice that wants one, published after commit. A broker outage must
    not turn a saved action into an error page (robust): the relay sends what was not queued."""
    queued = 0
    for notification_id, send_email in created:
        if send_email:
            publish_after_commit(send_notification_email, notification_id)
            queued += 1
    return queued


def _today(today: str | None) -> datetime.date:
    return datetime.date.fromisoformat(today) if today else timezone.localdate()


@shared_task(ignore_result=True)
def sweep_overdue(today: str | None = None) -> int:
    """Beat: owners hear of tasks that went overdue."""
    created = actions.notify_overdue(today=_today(today))
    queue_emails(created)
    return len(created)


@shared_task(ignore_result=True)
def sweep_waiting_expired(today: str | None = None) -> int:
    """Beat: owners hear of waits that ended."""
    created = actions.notify_waiting_expired(today=_today(today))
    queue_emails(created)
    return len(created)


@shared_task(ignore_result=True)
def escalate_overdue(today: str | None = None) -> int:
    """Beat: overdue work past its policy's thresholds goes to the next level."""
    created = actions.escalate_overdue(today=_today(today))
    queue_emails(created)
    return len(created)


@shared_task(ignore_result=True)
def send_digests() -> int:
    """Beat: each user's daily digest, at their hour."""
    created = actions.claim_digests()
    return queue_emails(created)


@shared_task(ignore_result=True)
def relay_unsent_emails() -> int:
    """Beat: re-queue emails whose Celery message was lost (sending twice is impossible:
    send_notification_email skips a notice already emailed)."""
    ids = actions.unsent_emails()
    for notification_id in ids:
        send_notification_email.delay(notification_id)
    return len(ids)
