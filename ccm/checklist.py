"""The CMS elements of a CCM care plan: which are met, from the plan's own content where it shows
them (and what shows it: "3 goals with a target"), else by a provider's mark (PlanChecklist).
Read for many plans at once in one query (the worklist's page, the billing export, the patient
page), the plan's content counted in subqueries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F, Func, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

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
    derived_from: str | None  # what in a plan can meet it ("a goal with a target"), or None
    shown_by: str = ""  # what in this plan meets it now ("3 goals with a target"), or ""
    marked: bool = False
    marked_by: object = None  # who marked it met, where read (the checklist page: marks_by)

    @property
    def derived(self) -> bool:
        return bool(self.shown_by)

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


def _count(rows) -> Coalesce:
    # COUNT in a correlated subquery: a plain Func, so the outer query gets no GROUP BY.
    counted = rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_facts(plans):
    """`plans` with what their content shows, counted in the same query: goals with a target,
    tasks (every task has an owner), referral tasks, recurring tasks."""
    goals = Goal.objects.filter(care_plan=OuterRef("pk")).exclude(target="")
    tasks = Task.objects.filter(care_plan=OuterRef("pk"))
    return plans.annotate(
        n_goals=_count(goals),
        n_tasks=_count(tasks),
        n_referrals=_count(tasks.filter(kind=TaskKind.REFERRAL)),
        n_recurring=_count(tasks.filter(recurrence_days__gt=0)),
    )


def _current(patient_ids):
    return (
        with_facts(ccm_plans().filter(patient_id__in=list(patient_ids), status__in=CURRENT))
        .select_related("ccm_checklist", "program")
        .order_by("patient_id", "-starts_on", "-pk")
    )


def states_for(patient_ids) -> dict[int, PlanState]:
    """Each patient's CCM plan (the newest current one) with its elements: one query."""
    plans: dict[int, CarePlan] = {}
    for plan in _current(patient_ids):
        plans.setdefault(plan.patient_id, plan)
    return {pid: _state(plans[pid]) if pid in plans else PlanState(None, None) for pid in patient_ids}


def state_of(plan: CarePlan) -> PlanState:
    """One plan's elements, with who marked each met (the checklist page): two queries."""
    counted = with_facts(CarePlan.objects.filter(pk=plan.pk)).select_related("ccm_checklist", "program")
    state = _state(counted.get())
    if state.checklist is not None:
        marks_by(state)
    return state


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def shown_by(plan: CarePlan) -> dict[str, str]:
    """The elements `plan`'s content meets (a plan from with_facts), each with what shows it."""
    shown = {}
    if plan.n_goals:
        shown["measurable_goals"] = _plural(plan.n_goals, "goal with a target", "goals with a target")
    if plan.interventions.strip() and plan.n_tasks:
        tasks = _plural(plan.n_tasks, "task with its owner", "tasks with owners")
        shown["interventions_responsible"] = f"interventions written, {tasks}"
    if plan.n_referrals:
        shown["coordination"] = _plural(plan.n_referrals, "referral task", "referral tasks")
    if plan.n_recurring:
        shown["periodic_review"] = _plural(plan.n_recurring, "recurring task", "recurring tasks")
    return shown


def _state(plan: CarePlan) -> PlanState:
    checklist = getattr(plan, "ccm_checklist", None) if _has_checklist(plan) else None
    shown = shown_by(plan)
    elements = [
        Element(name, label, how, shown.get(name, ""), bool(checklist and getattr(checklist, name)))
        for name, label, how in ELEMENTS
    ]
    return PlanState(plan, checklist, elements)


def marks_by(state: PlanState) -> None:
    """Who marked each element met: the user of the history row where its mark last turned on
    (one query over the checklist's history)."""
    by: dict[str, object] = {}
    rows = state.checklist.history.select_related("history_user").order_by("history_date", "history_id")
    before: dict[str, bool] = {}
    for row in rows:
        for name in ELEMENT_FIELDS:
            now = getattr(row, name)
            if now and not before.get(name):
                by[name] = row.history_user
            before[name] = now
    for element in state.elements:
        element.marked_by = by.get(element.name) if element.marked else None


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
