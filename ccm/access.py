"""The only way a CCM view gets a time entry or a plan's checklist (not visible → 404; visible
without the right → 403). Patients come through careplans.access."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from careplans.models import CarePlan, Patient
from ccm.models import TimeEntry
from tasks.models import Task

_PATIENT = Patient.objects.values_list("pk", "care_team_id")

# URL name → how its `pk` leads to (patient id, care team id), for tasks.access_log's refused rows.
REFUSED_TARGETS = {
    "ccm_consent": _PATIENT,
    "ccm_consent_revoke": _PATIENT,
    "ccm_time_add": _PATIENT,
    "ccm_patient_print": _PATIENT,
    "ccm_timer": Task.objects.values_list("patient_id", "care_team_id"),
    "ccm_checklist": CarePlan.objects.values_list("patient_id", "patient__care_team_id"),
    "ccm_time_edit": TimeEntry.objects.values_list("patient_id", "patient__care_team_id"),
}


def get_entry_for_user(user, pk: int, perm: str = "ccm.view_ccm") -> TimeEntry:
    entry = get_object_or_404(
        TimeEntry.objects.visible_to(user).select_related("patient", "author", "task"), pk=pk
    )
    if not user.has_perm(perm):
        raise PermissionDenied
    return entry
