"""Emergency access is told to the Compliance role: every active holder of the right to hear of
it (careplans.hear_emergency_access, which the role holds; its members are edited in the admin)
gets a notice in the inbox (and an email if they asked for one per notice), in the transaction
that grants the access, so a refused grant tells nobody anything. Nobody is told of their own."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db.models import Q, Value
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import User
from careplans.signals import emergency_access_granted
from notifications.actions import insert_notices, wants_email_now
from notifications.jobs import queue_emails
from notifications.models import Kind

COLUMNS = ["recipient", "emergency_access", "kind", "level", "day", "send_email", "created_at"]


def compliance_ids():
    """The ids of the active users who hear of emergency accesses, by role or one by one."""
    right = Permission.objects.filter(content_type__app_label="careplans", codename="hear_emergency_access")
    holders = User.objects.filter(Q(groups__permissions__in=right) | Q(user_permissions__in=right))
    return User.objects.filter(is_active=True, pk__in=holders.values("pk")).values("pk")


def notify(access):
    """One notice per Compliance member about `access`, one INSERT ... SELECT; (id, send_email)
    of each notice made."""
    now = timezone.now()
    rows = (
        User.objects.filter(pk__in=compliance_ids())
        .exclude(pk=access.user_id)
        .values_list(
            "pk",
            Value(access.pk),
            Value(str(Kind.EMERGENCY_ACCESS)),
            Value(0),
            Value(timezone.localdate(now)),
            wants_email_now(""),
            Value(now),
        )
    )
    return insert_notices(rows, columns=COLUMNS)


@receiver(emergency_access_granted, dispatch_uid="notifications.compliance")
def on_emergency_access(sender, access, **kwargs):
    queue_emails(notify(access))
