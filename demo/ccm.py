"""Chronic care management in the demo practice: the patients on a CCM care plan consented
(verbally or in writing, weeks to months ago; one revoked), with last month's and this month's
minutes spread as a real month is: some at zero, some a few minutes short of a threshold, most
past 20, a few complex or with physician time. Made through ccm.actions, by the team's people."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.errors import ActionError
from accounts.roles import Role
from accounts.scope import user_ids_in_team
from careplans.models import CarePlanStatus
from ccm import actions
from ccm.checklist import ELEMENT_FIELDS, ccm_plans
from ccm.models import CopyMethod
from ccm.months import current_month, previous_month

# Last month's clinical minutes per patient, drawn from this spread (a practice that earns most
# of its months, leaves some at 15-19, and has a few complex patients past 60).
LAST_MONTH = (0, 0, 12, 17, 18, 22, 25, 28, 34, 41, 45, 55, 62, 75)
WHAT = (
    "Monthly check-in call",
    "Medication review by phone",
    "Called pharmacy about refills",
    "Coordinated referral with cardiology",
    "Reviewed home BP log with patient",
    "Arranged transport for visit",
    "Updated care plan with caregiver",
)


def _people(team_id: int) -> dict[str, list]:
    users = get_user_model().objects.filter(pk__in=user_ids_in_team(team_id), is_active=True)
    found: dict[str, list] = {}
    for user in users.prefetch_related("groups"):
        for group in user.groups.all():
            found.setdefault(group.name, []).append(user)
    return found


def _spend(rng, patient, total: int, month: dt.date, last: dt.date, staff: list, *, counts) -> None:
    """`total` minutes in calls of 5 to 25 minutes on days of `month` up to `last`."""
    days = (last - month).days + 1
    while total > 0:
        minutes = min(total, rng.randint(5, 25))
        day = month + dt.timedelta(days=rng.randrange(days))
        try:
            actions.add_time(
                patient, by=rng.choice(staff), performed_on=day, minutes=minutes, description=rng.choice(WHAT)
            )
            counts["CCM time entries"] += 1
        except ActionError:
            return
        total -= minutes


def add_ccm(rng: random.Random) -> dict[str, int]:
    today = timezone.localdate()
    this_month = current_month()
    last_month = previous_month(this_month)
    counts = {"CCM consented patients": 0, "CCM time entries": 0}
    plans = (
        ccm_plans()
        .filter(status__in=(CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD))
        .select_related("patient", "author")
    )
    teams: dict[int, dict] = {}
    for n, plan in enumerate(plans.order_by("patient_id", "-starts_on")):
        patient = plan.patient
        if patient.ccm_consents.exists():
            continue
        people = teams.setdefault(patient.care_team_id, _people(patient.care_team_id))
        clinical = people.get(Role.COORDINATOR, []) + people.get(Role.MEDICAL_ASSISTANT, [])
        coordinator = (people.get(Role.COORDINATOR) or clinical or [plan.author])[0]
        if not clinical:
            continue
        consented_on = max(today - dt.timedelta(days=rng.randint(40, 300)), today - dt.timedelta(days=360))
        actions.record_consent(
            patient, by=coordinator, consented_on=consented_on, method=rng.choice(["verbal", "written"])
        )
        counts["CCM consented patients"] += 1
        # The checklist: most plans complete and shared, some not yet; one in six complex.
        complete = rng.random() < 0.7
        marked = {name: complete or rng.random() < 0.6 for name in ELEMENT_FIELDS}
        actions.mark_checklist(plan, by=plan.author, version=1, is_complex=rng.random() < 0.17, marked=marked)
        if rng.random() < 0.75:
            actions.record_copy(
                plan,
                by=coordinator,
                given_on=max(plan.starts_on, consented_on),
                method=rng.choice(CopyMethod.values),
            )
        physician = [plan.author] if plan.author.has_perm("ccm.qhp_time") else []
        # Last month: the spread; this month so far: about the share of the month gone, from
        # nothing to a few minutes short of 20.
        _spend(
            rng,
            patient,
            rng.choice(LAST_MONTH),
            last_month,
            this_month - dt.timedelta(days=1),
            clinical,
            counts=counts,
        )
        share = (today - this_month).days / 30
        this = rng.choice((0, 0, 6, 13, 15, 18, 19, 24, 31, 42))
        _spend(rng, patient, int(this * max(share, 0.5)), this_month, today, clinical, counts=counts)
        if physician and rng.random() < 0.2:
            _spend(
                rng,
                patient,
                rng.choice((30, 35, 62)),
                last_month,
                this_month - dt.timedelta(days=1),
                physician,
                counts=counts,
            )
        if n % 25 == 24:  # now and then a patient withdraws
            actions.revoke_consent(patient, by=coordinator, revoked_on=today)
    return counts
