"""Handoffs that speak: when a person's action puts a task in someone else's hands, that person
hears of it, in the inbox (and by email if they asked for one per notice).

- reassigned to you: the new owner, told who handed it over and why;
- reopened for you: the owner of a task a manager reopened;
- your step is next: owners of the open tasks that wait for a task just completed.

Nobody is told of their own action. The tasks app cannot import this one (apps depend one way),
so the notices follow its timeline: each Activity row an action writes is looked at here, in
the action's own transaction, so a refused or rolled-back action tells nobody anything; rows
written set-based (a transfer's reassignments) arrive by the tasks.signals.handed_over signal.
"""

from __future__ import annotations

from django.db.models import F, Q, Value
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from bulksql import id_set
from notifications.actions import insert_notices, wants_email_now
from notifications.jobs import queue_emails
from notifications.models import Kind, Notification
from tasks.choices import CLOSED_STATUSES, OPEN_STATUSES, ActivityKind, Status
from tasks.models import Activity, Task
from tasks.signals import handed_over

HANDOFF_COLUMNS = ["recipient", "task", "kind", "level", "day", "send_email", "created_at", "activity"]


def _kind_of(activity: Activity) -> tuple[str, Q] | None:
    """The notice an Activity row calls for, and the tasks whose owners receive it."""
    if activity.kind == ActivityKind.REASSIGNMENT:
        return Kind.REASSIGNED, Q(pk=activity.task_id)
    if activity.kind != ActivityKind.STATUS_CHANGE:
        return None
    if activity.from_status in CLOSED_STATUSES and activity.to_status in OPEN_STATUSES:
        return Kind.REOPENED, Q(pk=activity.task_id)
    if activity.to_status == Status.COMPLETED:
        return Kind.STEP_NEXT, Q(depends_on_id=activity.task_id, status__in=OPEN_STATUSES)
    return None


def notify(activity: Activity):
    """The handoff notices `activity` calls for, one INSERT ... SELECT; (id, send_email) of each
    notice made. The key (recipient, task, kind, day) makes a handoff repeated the same day one
    notice."""
    found = _kind_of(activity)
    if found is None:
        return []
    kind, tasks = found
    now = timezone.now()
    owners = Task.objects.filter(tasks)
    if activity.actor_id is not None:
        owners = owners.exclude(owner_id=activity.actor_id)
    rows = owners.values_list(
        "owner_id",
        "pk",
        Value(str(kind)),
        Value(0),
        Value(timezone.localdate(now)),
        wants_email_now("owner__"),
        Value(now),
        Value(activity.pk),
    )
    return insert_notices(rows, columns=HANDOFF_COLUMNS)


def settle(activity: Activity) -> int:
    """A task just completed or cancelled leaves nothing to act on: its unread notices (overdue,
    escalations, handoffs), whoever received them, are marked read. They stay in the inbox."""
    if activity.kind != ActivityKind.STATUS_CHANGE or activity.to_status not in CLOSED_STATUSES:
        return 0
    return Notification.objects.filter(task_id=activity.task_id, read_at__isnull=True).update(
        read_at=activity.created_at
    )


@receiver(post_save, sender=Activity, dispatch_uid="notifications.handoffs")
def on_activity(sender, instance: Activity, created: bool, raw: bool = False, **kwargs):
    if not created or raw:
        return
    settle(instance)
    queue_emails(notify(instance))


@receiver(handed_over, dispatch_uid="notifications.handoffs.handed_over")
def on_handed_over(sender, activity_ids: list[int], **kwargs):
    """Reassignments made many at a time: each new owner hears of each task, one INSERT ... SELECT
    for any number of them."""
    now = timezone.now()
    rows = (
        Activity.objects.filter(pk__in=id_set(activity_ids), kind=ActivityKind.REASSIGNMENT)
        .filter(Q(actor__isnull=True) | ~Q(to_owner_id=F("actor_id")))
        .values_list(
            "to_owner_id",
            "task_id",
            Value(str(Kind.REASSIGNED)),
            Value(0),
            Value(timezone.localdate(now)),
            wants_email_now("to_owner__"),
            Value(now),
            "pk",
        )
    )
    queue_emails(insert_notices(rows, columns=HANDOFF_COLUMNS))
