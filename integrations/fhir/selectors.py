"""What a reader may see of one patient, as FHIR resources: the reads behind $everything and the
two searches. A fixed number of queries whatever the number of tasks, plans and goals.

Front desk (no careplans.view_careplan) gets no CarePlan and no Goal, and its Tasks do not name
the plan they are based on; a reader without careplans.view_clinical gets no goals and no
interventions in a plan. Tasks are Task.objects.visible_to(user): front desk sees scheduling and
outreach work, and whatever it owns."""

from __future__ import annotations

from django.db.models import Prefetch

from careplans.models import CarePlan, Goal
from integrations.fhir import resources as res
from tasks.models import Task

# What a Task resource is made of (resources.task_resource), and its owner's name.
TASK_COLUMNS = (
    *("patient", "care_plan", "care_team", "title", "kind", "status", "priority", "due_on"),
    *("waiting_reason", "waiting_until", "outcome", "completed_at", "created_at", "updated_at"),
    *("owner__username", "owner__first_name", "owner__last_name", "owner__is_active"),
)


def reads_plans(user) -> bool:
    return user.has_perm("careplans.view_careplan")


def reads_clinical(user) -> bool:
    return user.has_perm("careplans.view_clinical") and user.has_perm("careplans.view_goal")


def task_resources(user, patient, practitioners: res.Practitioners) -> list[dict]:
    tasks = (
        Task.objects.visible_to(user)
        .filter(patient=patient)
        .select_related("owner")
        .only(*TASK_COLUMNS)
        .order_by("due_on", "pk")
    )
    plans = reads_plans(user)
    return [res.task_resource(task, practitioners, plans=plans) for task in tasks]


def care_plan_resources(user, patient, practitioners: res.Practitioners, *, with_goals: bool) -> list[dict]:
    """The patient's plans, then (`with_goals`, for $everything) their goals as resources of their
    own. Plans listed only to a reader with the plan right; goals only with the clinical one."""
    if not reads_plans(user):
        return []
    clinical = reads_clinical(user)
    plans = (
        CarePlan.objects.filter(patient=patient)
        .select_related("program", "author")
        .order_by("starts_on", "pk")
    )
    if clinical:
        plans = plans.prefetch_related(Prefetch("goals", queryset=Goal.objects.order_by("pk")))
    found = list(plans)
    out = [
        res.care_plan_resource(
            plan, practitioners, clinical=clinical, goals=plan.goals.all() if clinical else None
        )
        for plan in found
    ]
    if with_goals and clinical:
        out += [res.goal_resource(goal, patient_id=patient.pk) for plan in found for goal in plan.goals.all()]
    return out


def appointment_resources(patient, practitioners: res.Practitioners) -> list[dict]:
    appointments = patient.appointments.select_related("provider").order_by("starts_at", "pk")
    return [res.appointment_resource(a, practitioners) for a in appointments]


def everything(user, patient) -> list[dict]:
    """Patient/$everything: the patient, their plans and goals, tasks, appointments, and the
    Practitioners (users) these name, in that order."""
    practitioners = res.Practitioners()
    out = [res.patient_resource(patient, practitioners)]
    out += care_plan_resources(user, patient, practitioners, with_goals=True)
    out += task_resources(user, patient, practitioners)
    out += appointment_resources(patient, practitioners)
    return out + practitioners.resources()
