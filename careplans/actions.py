"""State changes for care plans: the clinical edit. A plan made from a template, with its tasks,
is tasks.intake.apply_template (care plans know nothing of tasks)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.errors import ActionError, NotAllowed, RuleViolation
from careplans.dates import plan_end_problem
from careplans.models import (
    ENDED_PLAN_STATUSES,
    CarePlan,
    CarePlanStatus,
    Enrollment,
    EnrollmentStatus,
    Goal,
    Patient,
)


@dataclass
class GoalChange:
    """A goal row from the clinical form: goal_id None for a new goal."""

    goal_id: int | None
    description: str
    target: str
    status: str


def ensure_enrollment(patient: Patient, program, starts_on: datetime.date) -> None:
    """The patient is enrolled in `program` (an active enrollment), from `starts_on` if new."""
    if not patient.enrollments.filter(program=program, status=EnrollmentStatus.ACTIVE).exists():
        Enrollment(patient=patient, program=program, started_on=starts_on).save()


class PlanVersionConflict(ActionError):
    rule = "version-conflict"


def update_care_plan(
    plan: CarePlan,
    *,
    by,
    expected_version: int,
    status: str,
    ends_on: datetime.date | None,
    interventions: str,
    goals: list[GoalChange],
) -> CarePlan:
    """The clinical edit: plan status, end, interventions and goals, by a provider, in one
    transaction. A stale form is refused, never saved over a colleague's change."""
    if not by.has_perm("careplans.edit_clinical"):
        raise NotAllowed("Only providers edit goals and interventions.")
    if status not in CarePlanStatus.values:
        raise RuleViolation("Choose a plan status from the list.", rule="plan-status-valid")
    with transaction.atomic():
        locked = CarePlan.objects.select_for_update().get(pk=plan.pk)
        if locked.version != expected_version:
            raise PlanVersionConflict(
                "Someone changed this care plan while you were editing it. Reload to see their "
                "change; nothing you entered was saved."
            )
        if ends_on and ends_on < locked.starts_on:
            raise RuleViolation("The plan cannot end before it starts.", rule="plan-ends-after-start")
        too_far = (
            ends_on and ends_on != locked.ends_on and plan_end_problem(ends_on, today=timezone.localdate())
        )
        if too_far:
            raise RuleViolation(too_far, rule="plan-dates-in-window")
        if ends_on is None and status in ENDED_PLAN_STATUSES and locked.status not in ENDED_PLAN_STATUSES:
            ends_on = max(timezone.localdate(), locked.starts_on)  # a plan ended today ends today
        locked.status, locked.ends_on, locked.interventions = status, ends_on, interventions.strip()
        locked.version += 1
        locked._history_user = by
        locked.save()
        existing = {goal.pk: goal for goal in locked.goals.all()}
        for change in goals:
            goal = existing.get(change.goal_id) if change.goal_id else Goal(care_plan=locked)
            if goal is None:
                raise RuleViolation("That goal belongs to another plan.", rule="goal-in-plan")
            new = (change.description.strip(), change.target.strip(), change.status)
            if goal.pk and (goal.description, goal.target, goal.status) == new:
                continue
            goal.description, goal.target, goal.status = new
            goal._history_user = by
            goal.save()
    return locked
