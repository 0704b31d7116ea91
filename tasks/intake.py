"""Care plan intake: turn a template into the tasks it will create, preview them, save them.

The preview is a pure read; apply_template saves the plan and its tasks in one transaction,
through tasks.actions.create_task. Each planned task carries its stable key (template task,
occurrence) so that saving twice creates nothing twice. It lives with the tasks because it makes
them: care plans know nothing of tasks.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from accounts.scope import user_ids_in_team
from careplans.actions import ensure_enrollment
from careplans.dates import WorkCalendar, due_date_problem, plan_end_problem, plan_start_problem
from careplans.models import (
    UNKEPT_APPOINTMENT,
    Appointment,
    CarePlan,
    CarePlanStatus,
    CarePlanTemplate,
    DueAnchor,
    DueUnit,
    Goal,
    Patient,
    TemplateTask,
)
from tasks.actions import NotAllowed, RuleViolation, create_task
from tasks.choices import FRONT_DESK_KINDS, OPEN_STATUSES
from tasks.models import Task
from tasks.rights import works_clinical


@dataclass
class PlannedTask:
    template_task: TemplateTask
    title: str
    kind: str
    owner: User | None
    due_on: datetime.date
    priority: int
    recurrence_days: int | None = None
    recurrence_ends_on: datetime.date | None = None
    occurrence: int = 1
    notes: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.template_task.pk}:{self.occurrence}"


def next_appointment(patient: Patient, *, on_or_after: datetime.date) -> Appointment | None:
    """The first appointment from `on_or_after` that is still to happen: a cancelled one or a
    no-show anchors nothing."""
    start = timezone.make_aware(datetime.datetime.combine(on_or_after, datetime.time.min))
    return (
        patient.appointments.filter(starts_at__gte=start)
        .exclude(status__in=UNKEPT_APPOINTMENT)
        .order_by("starts_at")
        .first()
    )


def candidates_by_role(patient: Patient) -> dict[int, list[User]]:
    """Active members of the patient's care team per role (group id), least open work first (ties
    by name), so generated work spreads across the team."""
    return members_by_role(team_members(patient.care_team_id))


def team_members(team_id: int) -> list[User]:
    """The team's active members, least open work first (ties by name), each with `open_load`
    (their open tasks, in any team), `works_clinical` (tasks.rights.can_own_kind's right) and
    their roles prefetched. One query, and one for the roles."""
    # A count per member from the open-tasks-by-owner index, not a join of all their tasks.
    open_load = (
        Task.objects.filter(owner=OuterRef("pk"), status__in=OPEN_STATUSES)
        .order_by()
        .values("owner")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        User.objects.filter(pk__in=user_ids_in_team(team_id), is_active=True)
        .annotate(
            open_load=Coalesce(Subquery(open_load), 0),
            works_clinical=ExpressionWrapper(works_clinical(), output_field=BooleanField()),
        )
        .prefetch_related("groups")
        .order_by("open_load", "last_name", "first_name", "pk")
    )


def members_by_role(members: list[User]) -> dict[int, list[User]]:
    by_role: dict[int, list[User]] = {}
    for member in members:
        for group in member.groups.all():
            by_role.setdefault(group.pk, []).append(member)
    return by_role


def resolve_owner(group_id: int, patient: Patient, by_role: dict[int, list[User]]) -> User | None:
    """The patient's primary provider when they hold the role (their plan's provider steps are
    theirs), else whoever in the role has the least open work."""
    people = by_role.get(group_id, [])
    for person in people:
        if person.pk == patient.primary_provider_id:
            return person
    return people[0] if people else None


def preview(
    *,
    patient: Patient,
    template: CarePlanTemplate,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
) -> list[PlannedTask]:
    by_role = candidates_by_role(patient)
    appointment = next_appointment(patient, on_or_after=starts_on)
    appointment_day = timezone.localdate(appointment.starts_at) if appointment else None
    # A missed-appointment step waits for a no-show (integrations.scheduling), not for the plan.
    steps = list(
        template.tasks.exclude(due_anchor=DueAnchor.MISSED_APPOINTMENT)
        .select_related("assignee_group", "depends_on")
        .order_by("position", "pk")
    )
    if not steps:
        return []
    anchors = {
        tt.pk: appointment_day
        if tt.due_anchor == DueAnchor.NEXT_APPOINTMENT and appointment_day
        else starts_on
        for tt in steps
    }
    business = {tt.pk for tt in steps if tt.due_offset_unit == DueUnit.BUSINESS_DAYS}
    calendar = WorkCalendar.covering(
        [
            *anchors.values(),
            *(anchors[tt.pk] + _days(tt.due_offset_days) for tt in steps if tt.pk not in business),
        ],
        [tt.due_offset_days for tt in steps if tt.pk in business],
    )
    planned = []
    for tt in steps:
        notes = []
        anchor = anchors[tt.pk]
        if tt.due_anchor == DueAnchor.NEXT_APPOINTMENT and not appointment_day:
            notes.append("No upcoming appointment: dated from the plan start.")
        if tt.pk in business:
            due = calendar.add_business_days(anchor, tt.due_offset_days)
        else:
            due = anchor + _days(tt.due_offset_days)
            notes.extend(_closed_day_note(due, calendar))
        owner = resolve_owner(tt.assignee_group_id, patient, by_role)
        if owner is None:
            notes.append(f"Nobody in the care team has the role {tt.assignee_group}: choose an owner.")
        elif tt.kind not in FRONT_DESK_KINDS and not owner.works_clinical:
            notes.append(f"{tt.assignee_group} works scheduling and outreach calls only: choose an owner.")
            owner = None
        recurrence_ends_on = None
        if tt.recurrence_days:
            if tt.recurrence_count:
                recurrence_ends_on = due + _days(tt.recurrence_days * (tt.recurrence_count - 1))
            else:
                recurrence_ends_on = ends_on
        planned.append(
            PlannedTask(
                template_task=tt,
                title=tt.title,
                kind=tt.kind,
                owner=owner,
                due_on=due,
                priority=tt.priority,
                recurrence_days=tt.recurrence_days,
                recurrence_ends_on=recurrence_ends_on,
                notes=notes,
            )
        )
    return planned


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _closed_day_note(due: datetime.date, calendar: WorkCalendar) -> list[str]:
    """A calendar-day offset lands where it falls, a closed day included: the preview says so,
    and the person applying moves it (or the template counts in business days)."""
    holiday = calendar.holiday(due)
    if holiday:
        return [f"Due on {holiday}, a practice holiday (the template counts calendar days)."]
    if not calendar.is_working_day(due):
        return [f"Due on a {due:%A}, not a working day (the template counts calendar days)."]
    return []


# ---- saving ------------------------------------------------------------------------------


@dataclass
class GoalInput:
    description: str
    target: str = ""


@dataclass
class IntakeResult:
    plan: CarePlan
    created: bool
    task_count: int


def active_plan(patient: Patient, template: CarePlanTemplate) -> CarePlan | None:
    """The patient's active plan made from `template`, if any: applying it again would double
    every task, so intake warns and asks why."""
    return (
        CarePlan.objects.filter(patient=patient, template=template, status=CarePlanStatus.ACTIVE)
        .order_by("-starts_on", "-pk")
        .first()
    )


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
    again_reason: str = "",
    author=None,
    change_reason: str = "",
) -> IntakeResult:
    """Create the plan and its tasks in one transaction. The same intake_key returns the plan
    made the first time and creates nothing (double click, retry, back button). A template the
    patient already has an active plan from is applied again only with `again_reason`, which
    the plan's history and its tasks' timelines keep. `by=None` is the system (an import from
    the command line), which then names the plan's `author`; `change_reason` names a batch (an
    import run) in the plan's history and its tasks' timelines."""
    if by is not None and not by.has_perm("careplans.apply_template"):
        raise NotAllowed("Your role cannot apply care plan templates.")
    if (goals or interventions.strip()) and (by is None or not by.has_perm("careplans.edit_clinical")):
        raise NotAllowed("Only providers write goals and interventions.")
    if ends_on and ends_on < starts_on:
        raise RuleViolation("The plan cannot end before it starts.", rule="plan-ends-after-start")
    today = timezone.localdate()
    problem = plan_start_problem(starts_on, today=today) or (
        ends_on and plan_end_problem(ends_on, today=today)
    )
    if problem:
        raise RuleViolation(problem, rule="plan-dates-in-window")
    for row in rows:
        problem = due_date_problem(row.due_on, today=today, plan_start=starts_on)
        if problem:
            raise RuleViolation(f"{row.title}: {problem}", rule="due-date-in-window")
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
    again_reason = again_reason.strip()
    current = active_plan(patient, template)
    if current and not again_reason:
        raise RuleViolation(
            f"{patient.full_name} already has an active {template.name} plan (from "
            f"{current.starts_on:%m/%d/%Y}). Open it, or give a reason to apply the template again.",
            rule="plan-already-active",
        )
    note = f"From template {template.name}" + (f" (applied again: {again_reason})" if current else "")
    if change_reason:
        note += f" ({change_reason})"
    try:
        with transaction.atomic():
            plan = CarePlan(
                patient=patient,
                program=template.program,
                template=template,
                status=CarePlanStatus.ACTIVE,
                starts_on=starts_on,
                ends_on=ends_on,
                author=author or by,
                interventions=interventions.strip(),
                intake_key=intake_key,
            )
            plan._history_user = by
            if current:
                plan._change_reason = f"Applied again: {again_reason}"[:100]
            elif change_reason:
                plan._change_reason = change_reason[:100]
            plan.save()
            for goal in goals:
                if goal.description.strip():
                    made_goal = Goal(
                        care_plan=plan, description=goal.description.strip(), target=goal.target.strip()
                    )
                    made_goal._history_user = by  # the timeline names who wrote the goal
                    made_goal.save()
            ensure_enrollment(patient, template.program, starts_on)
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
                    note=note,
                )
    except IntegrityError:
        # A concurrent submit of the same form won the race; its plan is the answer.
        plan = CarePlan.objects.filter(intake_key=intake_key).first()
        if plan is None:
            raise
        return IntakeResult(plan=plan, created=False, task_count=plan.tasks.count())
    return IntakeResult(plan=plan, created=True, task_count=len(made))
