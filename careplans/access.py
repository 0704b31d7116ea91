"""The only way a view gets a patient or a care plan (not visible → 404; visible without the
right → 403), and the only writer of the access log."""

import ipaddress

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from careplans.emergency import emergency_patient_ids
from careplans.models import AccessOutcome, AccessReason, CarePlan, Patient, PatientAccessLog


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


def client_address(request) -> str | None:
    """The address the request came from. Behind a proxy (DJANGO_BEHIND_PROXY) it is the last
    X-Forwarded-For entry, the one our proxy appended; anything earlier the client may forge.
    Without that setting the header is ignored. Not an address → None, never a failed insert."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_PROXY and (forwarded := request.META.get("HTTP_X_FORWARDED_FOR", "")):
        address = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _row(request, **fields) -> PatientAccessLog:
    return PatientAccessLog(
        user=request.user, path=request.path[:300], address=client_address(request), **fields
    )


def log_shown(request, patients, *, reason: str = AccessReason.VIEW) -> None:
    """A response showed these patients (Patient objects): one access log row per patient, in
    one INSERT."""
    _log_pairs(request, ((p.pk, p.care_team_id) for p in patients), reason=reason)


def log_tasks_shown(request, tasks) -> None:
    """A list of tasks showed their patients: one row per patient (a list may repeat one), from
    the tasks' own columns (a task's team is its patient's), so no patient needs loading."""
    _log_pairs(request, ((t.patient_id, t.care_team_id) for t in tasks), reason=AccessReason.VIEW)


def _log_pairs(request, pairs, *, reason: str) -> None:
    unique = dict(pairs)  # patient id → team id
    # A patient seen through an emergency access is logged as such, whatever page showed it.
    emergency = emergency_patient_ids(request.user) if reason == AccessReason.VIEW else set()
    PatientAccessLog.objects.bulk_create(
        _row(
            request,
            patient_id=patient_id,
            care_team_id=team_id,
            reason=AccessReason.EMERGENCY if patient_id in emergency else reason,
        )
        for patient_id, team_id in unique.items()
    )


def log_export(request, *, patient_count: int, reason: str = AccessReason.EXPORT) -> None:
    """A bulk export (or a page of many patients, the audit's): one row with how many patients it
    held and the filter it was asked with."""
    _row(request, reason=reason, patient_count=patient_count, filter=request.GET.urlencode()[:500]).save()


def log_refused(request, patient_id: int | None, team_id: int | None) -> None:
    """A patient's record, task or plan was asked for and refused (404 or 403): who asked, for
    whom (when the patient exists), from where."""
    _row(request, patient_id=patient_id, care_team_id=team_id, outcome=AccessOutcome.REFUSED).save()
