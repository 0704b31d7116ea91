"""The only way a view gets a patient or a care plan. Not visible → 404; visible without the right → 403."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from careplans.models import CarePlan, Patient


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
