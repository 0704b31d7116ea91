"""The only way a view gets a task, or a saved filter. Not visible → 404; visible without the
right → 403."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone

from tasks import rowsets
from tasks.models import SavedFilter, Task


def get_task_for_user(user, pk: int, perm: str = "tasks.view_task") -> Task:
    """The task as its page shows it (TaskQuerySet.for_panel), with its overdue and wait-ended
    flags as of the practice's today."""
    visible = Task.objects.visible_to(user).for_panel()
    task = get_object_or_404(rowsets.with_due_flags(visible, timezone.localdate()), pk=pk)
    if not user.has_perm(perm):
        raise PermissionDenied
    return task


def get_saved_filter_for_user(user, pk: int) -> SavedFilter:
    """The user's own saved filter; anyone else's is 404, as if it did not exist."""
    saved = get_object_or_404(SavedFilter, pk=pk, user_id=user.pk)
    if not user.has_perm("tasks.view_task"):
        raise PermissionDenied
    return saved
