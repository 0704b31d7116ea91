"""The CMS elements of a CCM care plan: which are met, from the plan's own content where it shows
them, else by a provider's mark (PlanChecklist). Read for many plans at once in a fixed number of
queries (the worklist's page, the billing export)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from careplans.models import CarePlan, CarePlanStatus, Goal
from ccm.models import CCM_PROGRAM_CODE, PlanChecklist
from tasks.choices import TaskKind
from tasks.models import Task

# (field on PlanChecklist, the element as CMS names it, how the plan's content meets it or None)
ELEMENTS: tuple[tuple[str, str, str | None], ...] = (
    ("problem_list", "Problem list", None),
    ("outcome_prognosis", "Expected outcome and prognosis", None),
    ("measurable_goals", "Measurable treatment goals", "a goal with a target"),
    ("symptom_management", "Symptom management", None),
    (
        "interventions_responsible",
        "Planned interventions and who is responsible",
        "interventions written and tasks with owners",
    ),
    ("medication_management", "Medication management", None),
    ("community_services", "Community and social services", None),
    ("coordination", "Coordination with other providers", "a referral task"),
    ("periodic_review", "Schedule for periodic review and revision", "a recurring task"),
)
ELEMENT_FIELDS = [name for name, _label, _how in ELEMENTS]
# Plans a patient is worked under: the newest of these is the CCM plan.
CURRENT = (CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD, CarePlanStatus.DRAFT)


@dataclass
class Element:
    name: str
    label: str
    derived_from: str | None
    derived: bool
    marked: bool

    @property
    def met(self) -> bool:
        return self.derived or self.marked


@dataclass
class PlanState:
    plan: CarePlan | None
    checklist: PlanChecklist | None
    elements: list[Element] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.plan is not None and all(e.met for e in self.elements)

    @property
    def missing(self) -> list[str]:
        return [e.label for e in self.elements if not e.met]

    @property
    def shared(self) -> bool:
        return self.checklist is not None and self.checklist.copy_given_on is not None

    @property
    def is_complex(self) -> bool:
        return self.checklist is not None and self.checklist.is_complex


def ccm_plans():
    return CarePlan.objects.filter(program__code=CCM_PROGRAM_CODE)


def is_ccm_plan(plan: CarePlan) -> bool:
    return plan.program.code == CCM_PROGRAM_CODE


def states_for(patient_ids) -> dict[int, PlanState]:
    """Each patient's CCM plan (the newest current one) with its elements: three queries."""
    plans: dict[int, CarePlan] = {}
    rows = ccm_plans().filter(patient_id__in=list(patient_ids), status__in=CURRENT)
    for plan in rows.select_related("ccm_checklist", "program").order_by("patient_id", "-starts_on", "-pk"):
        plans.setdefault(plan.patient_id, plan)
    return _states(plans, patient_ids)


def state_of(plan: CarePlan) -> PlanState:
    return _states({plan.patient_id: plan}, [plan.patient_id])[plan.patient_id]


def _states(plans: dict[int, CarePlan], patient_ids) -> dict[int, PlanState]:
    plan_ids = [p.pk for p in plans.values()]
    with_goal = set(
        Goal.objects.filter(care_plan_id__in=plan_ids)
        .exclude(target="")
        .values_list("care_plan_id", flat=True)
    )
    facts = Task.objects.filter(care_plan_id__in=plan_ids).values_list(
        "care_plan_id", "kind", "recurrence_days"
    )
    has_tasks, referral, recurring = set(), set(), set()
    for plan_id, kind, every in facts:
        has_tasks.add(plan_id)
        if kind == TaskKind.REFERRAL:
            referral.add(plan_id)
        if every:
            recurring.add(plan_id)
    states = {}
    for patient_id in patient_ids:
        plan = plans.get(patient_id)
        if plan is None:
            states[patient_id] = PlanState(None, None)
            continue
        checklist = getattr(plan, "ccm_checklist", None) if _has_checklist(plan) else None
        derived = {
            "measurable_goals": plan.pk in with_goal,
            "interventions_responsible": bool(plan.interventions.strip()) and plan.pk in has_tasks,
            "coordination": plan.pk in referral,
            "periodic_review": plan.pk in recurring,
        }
        elements = [
            Element(name, label, how, derived.get(name, False), bool(checklist and getattr(checklist, name)))
            for name, label, how in ELEMENTS
        ]
        states[patient_id] = PlanState(plan, checklist, elements)
    return states


def _has_checklist(plan: CarePlan) -> bool:
    try:
        plan.ccm_checklist  # noqa: B018  (select_related or a query: whether the row exists)
    except PlanChecklist.DoesNotExist:
        return False
    return True


def complex_plan_q(prefix: str = "") -> Q:
    """Patients whose current CCM plan is marked complex, as a condition on Patient."""
    return Q(
        **{
            f"{prefix}care_plans__program__code": CCM_PROGRAM_CODE,
            f"{prefix}care_plans__status__in": CURRENT,
            f"{prefix}care_plans__ccm_checklist__is_complex": True,
        }
    )
