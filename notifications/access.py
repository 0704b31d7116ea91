"""The only way a view gets a notification: its recipient's, or 404 (never someone else's)."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from notifications.models import Notification


def get_notification_for_user(user, pk) -> Notification:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such notification.") from None
    return get_object_or_404(Notification.objects.for_inbox(user), pk=pk)
