"""State changes for care plans. Task rows are made by tasks.actions.create_task, never here."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from careplans.intake import PlannedTask
from careplans.models import (
    CarePlan,
    CarePlanStatus,
    CarePlanTemplate,
    Enrollment,
    EnrollmentStatus,
    Goal,
    Patient,
)
from tasks.actions import ActionError, NotAllowed, RuleViolation, create_task


@dataclass
class GoalInput:
    description: str
    target: str = ""


@dataclass
class IntakeResult:
    plan: CarePlan
    created: bool
    task_count: int


def _ensure_enrollment(patient: Patient, program, starts_on: datetime.date) -> None:
    if not patient.enrollments.filter(program=program, status=EnrollmentStatus.ACTIVE).exists():
        enrollment = Enrollment(patient=patient, program=program, started_on=starts_on)
        enrollment.save()


def apply_template(
    *,
    patient: Patient,
    template: CarePlanTemplate,
    starts_on: datetime.date,
    ends_on: datetime.date | None,
    by,
    rows: list[PlannedTask],
    intake_key: uuid.UUID,
    goals: list[GoalInput] = (),
    interventions: str = "",
) -> IntakeResult:
    """Create the plan and its tasks in one transaction. The same intake_key returns the plan
    made the first time and creates nothing (double click, retry, back button)."""
    if not by.has_perm("careplans.apply_template"):
        raise NotAllowed("Your role cannot apply care plan templates.")
    if (goals or interventions.strip()) and not by.has_perm("careplans.edit_clinical"):
        raise NotAllowed("Only providers write goals and interventions.")
    if ends_on and ends_on < starts_on:
        raise RuleViolation("The plan cannot end before it starts.", rule="plan-ends-after-start")
    missing = [row.title for row in rows if row.owner is None]
    if missing:
        raise RuleViolation("Every task needs an owner: " + ", ".join(missing) + ".", rule="task-needs-owner")
    existing = CarePlan.objects.filter(intake_key=intake_key).first()
    if existing and existing.patient_id != patient.pk:
        raise RuleViolation(
            "This form belongs to another patient; reload the preview.", rule="intake-key-per-patient"
        )
    if existing:
        return IntakeResult(plan=existing, created=False, task_count=existing.tasks.count())
    try:
        with transaction.atomic():
            plan = CarePlan(
                patient=patient,
                program=template.program,
                template=template,
                status=CarePlanStatus.ACTIVE,
                starts_on=starts_on,
                ends_on=ends_on,
                author=by,
                interventions=interventions.strip(),
                intake_key=intake_key,
            )
            plan._history_user = by
            plan.save()
            for goal in goals:
                if goal.description.strip():
                    Goal.objects.create(
                        care_plan=plan, description=goal.description.strip(), target=goal.target.strip()
                    )
            _ensure_enrollment(patient, template.program, starts_on)
            made = {}
            for row in rows:
                depends = row.template_task.depends_on_id
                made[row.template_task.pk] = create_task(
                    patient=patient,
                    by=by,
                    title=row.title,
                    kind=row.kind,
                    owner=row.owner,
                    due_on=row.due_on,
                    priority=row.priority,
                    care_plan=plan,
                    template_task=row.template_task,
                    occurrence=row.occurrence,
                    recurrence_days=row.recurrence_days,
                    recurrence_ends_on=row.recurrence_ends_on,
                    depends_on=made.get(depends) if depends else None,
                    note=f"From template {template.name}",
                )
    except IntegrityError:
        # A concurrent submit of the same form won the race; its plan is the answer.
        plan = CarePlan.objects.filter(intake_key=intake_key).first()
        if plan is None:
            raise
        return IntakeResult(plan=plan, created=False, task_count=plan.tasks.count())
    return IntakeResult(plan=plan, created=True, task_count=len(made))


@dataclass
class GoalChange:
    """A goal row from the clinical form: goal_id None for a new goal."""

    goal_id: int | None
    description: str
    target: str
    status: str


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
