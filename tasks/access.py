"""The only way a view gets a task, a patient to transfer, or a saved filter. Not visible → 404;
visible without the right → 403."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone

from careplans.access import get_patient_for_user
from careplans.models import Patient
from tasks import rowsets
from tasks.models import SavedFilter, Task
from tasks.rights import can_transfer


def get_task_for_user(user, pk: int, perm: str = "tasks.view_task") -> Task:
    """The task as its page shows it (TaskQuerySet.for_panel), with its overdue and wait-ended
    flags as of the practice's today."""
    visible = Task.objects.visible_to(user).for_panel()
    task = get_object_or_404(rowsets.with_due_flags(visible, timezone.localdate()), pk=pk)
    if not user.has_perm(perm):
        raise PermissionDenied
    return task


def get_patient_for_transfer(user, pk: int) -> Patient:
    """The patient a transfer page moves. An admin reaches every patient, as in the Django admin,
    where they changed a patient's team before transfers (they work in no team); anyone else
    through their scope. Not visible → 404; visible without the right to move it → 403."""
    if user.has_perm("careplans.change_patient"):
        patient = get_object_or_404(Patient.objects.select_related("care_team", "primary_provider"), pk=pk)
    else:
        patient = get_patient_for_user(user, pk)
    if not can_transfer(user, patient):
        raise PermissionDenied
    return patient


def get_saved_filter_for_user(user, pk: int) -> SavedFilter:
    """The user's own saved filter; anyone else's is 404, as if it did not exist."""
    saved = get_object_or_404(SavedFilter, pk=pk, user_id=user.pk)
    if not user.has_perm("tasks.view_task"):
        raise PermissionDenied
    return saved
