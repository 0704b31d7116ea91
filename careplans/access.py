"""The only way a view gets a patient or a care plan. Not visible → 404; visible without the right → 403."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from careplans.emergency import emergency_patient_ids
from careplans.models import CarePlan, Patient, PatientAccessLog


def get_patient_for_user(user, pk: int, perm: str = "careplans.view_patient") -> Patient:
    patient = get_object_or_404(
        Patient.objects.visible_to(user).select_related("care_team", "location", "primary_provider"),
        pk=pk,
    )
    if not user.has_perm(perm):
        raise PermissionDenied
    return patient


def get_care_plan_for_user(user, pk: int, perm: str = "careplans.view_careplan") -> CarePlan:
    plan = get_object_or_404(CarePlan.objects.visible_to(user).select_related("patient", "program"), pk=pk)
    if not user.has_perm(perm):
        raise PermissionDenied
    return plan


def log_shown(request, patients) -> None:
    """A list shows patient data too: one access log row per patient it showed, in one INSERT."""
    path = request.path[:300]
    PatientAccessLog.objects.bulk_create(
        PatientAccessLog(user=request.user, patient=patient, path=path) for patient in patients
    )


def log_reason(request, patient) -> str:
    """Why the access log row of this view is written: "emergency" while the user sees the
    patient through an unexpired emergency access (careplans.emergency), else "view". Read from
    the scope the page loaded: no query. The hook for the access log's reason field."""
    return "emergency" if patient.pk in emergency_patient_ids(request.user) else "view"
