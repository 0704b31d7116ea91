"""Break the glass: a provider or coordinator opens a patient outside their teams, in an
emergency, by giving a reason. The access lasts EMERGENCY_ACCESS_HOURS, widens the user's scope
to that patient until then (careplans.models.granted_patient_ids), shows a banner on the
patient's pages, and the Compliance role hears of it (careplans.signals)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Upper
from django.utils import timezone

from accounts.errors import NotAllowed, RuleViolation
from careplans.models import EmergencyAccess, Patient, granted_patient_ids
from careplans.signals import emergency_access_granted

RIGHT = "careplans.emergency_access"
REASON_MIN_LENGTH = 10  # "emergency" alone says nothing an auditor can check


def emergency_patient_ids(user) -> set[int]:
    """The patients `user` sees through an unexpired emergency access (read with the scope)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    granted_patient_ids(user)  # reads the emergency accesses with the scope, once per user object
    return user._followthrough_emergency_ids


def forget_scope(user) -> None:
    """Drop the scope cached on `user`: an emergency access just granted widens it now."""
    for name in (
        "_followthrough_patient_grants",
        "_followthrough_emergency_ids",
        "_followthrough_team_rights",
    ):
        user.__dict__.pop(name, None)


def can_break_glass(user) -> bool:
    return user.is_active and user.has_perm(RIGHT)


def find_patient(mrn: str, birth_date: datetime.date) -> Patient | None:
    """The patient with exactly this MRN (in any case) and date of birth, or None. Both are
    asked so that the page cannot be used to find out which MRNs exist."""
    return (
        Patient.objects.annotate(mrn_upper=Upper("mrn"))
        .filter(mrn_upper=mrn.strip().upper(), birth_date=birth_date)
        .first()
    )


def break_glass(user, patient: Patient, reason: str) -> EmergencyAccess:
    """Grant `user` emergency access to `patient` for EMERGENCY_ACCESS_HOURS, in one transaction
    with its history and the Compliance role's notices. Refused without the right, without a
    reason, and for a patient the user already sees (nothing to break)."""
    if not can_break_glass(user):
        raise NotAllowed("Only providers and coordinators may open a patient in an emergency.")
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise RuleViolation(
            "Say why you need this patient's record now: the reason is kept and Compliance reads it.",
            rule="emergency-access-needs-reason",
        )
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        if Patient.objects.visible_to(user).filter(pk=locked.pk).exists():
            raise RuleViolation(
                "You already see this patient: open their page.", rule="emergency-access-outside-scope"
            )
        now = timezone.now()
        access = EmergencyAccess(
            user=user,
            patient=locked,
            reason=reason,
            granted_at=now,
            expires_at=now + datetime.timedelta(hours=settings.EMERGENCY_ACCESS_HOURS),
        )
        access._history_user = user
        access._change_reason = "Emergency access"
        access.save()
        emergency_access_granted.send(sender=EmergencyAccess, access=access)
    forget_scope(user)
    return access


def current_access(user, patient_id: int) -> EmergencyAccess | None:
    """The user's unexpired emergency access to the patient, for the banner: None (and no
    query) unless the scope read with the page says there is one."""
    if patient_id not in emergency_patient_ids(user):
        return None
    return (
        EmergencyAccess.objects.filter(user=user, patient_id=patient_id, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )
