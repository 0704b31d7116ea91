"""A CCM plan's checklist page: an element met from the plan's content looks met and says what
meets it; one a provider marked says who; the copy given to the patient asks "Given how"."""

import re

import pytest
from django.urls import reverse

from ccm import checklist
from ccm.models import PlanChecklist
from tests.factories import CarePlanFactory, GoalFactory, PatientFactory, TaskFactory
from tests.helpers import inline_code

NOT_DERIVED = (
    "problem_list",
    "outcome_prognosis",
    "symptom_management",
    "medication_management",
    "community_services",
    "periodic_review",
)


@pytest.fixture
def content(ccm_plan, coordinator):
    """Three goals with a target (and one without), two tasks on the plan, one a referral."""
    for target in ("below 140/90", "A1c under 8", "walk 20 min daily", ""):
        GoalFactory(care_plan=ccm_plan, description="Goal", target=target)
    TaskFactory(patient=ccm_plan.patient, owner=coordinator, care_plan=ccm_plan, kind="referral")
    TaskFactory(patient=ccm_plan.patient, owner=coordinator, care_plan=ccm_plan)
    return ccm_plan


def _url(plan):
    return reverse("ccm_checklist", args=[plan.pk])


def _row(page, label):
    return re.search(rf"<th scope=\"row\">{re.escape(label)}</th>(.*?)</tr>", page, re.S).group(1)


def test_elements_met_from_the_plan_say_what_meets_them(client, provider, content):
    client.force_login(provider)

    response = client.get(_url(content))

    state = response.context["state"]
    shown = {e.name: e.shown_by for e in state.elements if e.derived}
    assert shown == {
        "measurable_goals": "3 goals with a target",
        "interventions_responsible": "interventions written, 2 tasks with owners",
        "coordination": "1 referral task",
    }
    page = response.content.decode()
    goals = _row(page, "Measurable treatment goals")
    assert 'class="ccm-met">met<' in goals and "from the plan: 3 goals with a target" in goals
    assert "not met" in _row(page, "Problem list")


def test_a_met_element_is_never_an_empty_box(client, provider, content):
    """Met from the plan: a ticked box nobody can untick (no name: never posted); the others are
    boxes to tick."""
    client.force_login(provider)

    page = client.get(_url(content)).content.decode()

    marks = page[page.index('<fieldset class="ccm-marks">') :]
    assert '<input type="checkbox" checked disabled> Measurable treatment goals' in marks
    assert 'name="measurable_goals"' not in marks and 'name="problem_list"' in marks
    assert "met from the plan: 1 referral task" in marks
    assert inline_code(page) == []


def test_marked_elements_say_which_provider_marked_them(client, provider, content):
    client.force_login(provider)
    marks = {name: "on" for name in NOT_DERIVED}

    client.post(_url(content), {"form": "marks", "version": 1, **marks})

    response = client.get(_url(content))
    state = response.context["state"]
    assert state.complete
    assert {e.name: e.marked_by for e in state.elements if e.marked} == dict.fromkeys(NOT_DERIVED, provider)
    assert f"marked by {provider}" in _row(response.content.decode(), "Problem list")


def test_saving_the_marks_keeps_a_derived_elements_mark(client, provider, content):
    """A mark made before the plan's content met the element stays (it counts again if the
    content changes); posting a derived element's box changes nothing."""
    PlanChecklist.objects.create(care_plan=content, coordination=True)
    client.force_login(provider)

    client.post(
        _url(content), {"form": "marks", "version": 1, "problem_list": "on", "measurable_goals": "on"}
    )

    saved = PlanChecklist.objects.get()
    assert (saved.coordination, saved.measurable_goals, saved.problem_list) == (True, False, True)


def test_the_copy_form_asks_given_how_with_the_models_choices(client, provider, content, today):
    client.force_login(provider)

    page = client.get(_url(content)).content.decode()

    assert re.search(r'<label for="id_method"\s*>Given how:</label>', page)
    for words in ("Printed copy in person", "Mailed", "Patient portal", "Secure email"):
        assert words in page
    client.post(_url(content), {"form": "copy", "given_on": today.isoformat(), "method": "mailed"})
    assert PlanChecklist.objects.get().copy_method == "mailed"


def test_many_plans_are_read_in_one_query(django_assert_num_queries, content, patient, provider, team):
    others = [PatientFactory(care_team=team).pk for _ in range(3)]
    for pk in others[:2]:
        CarePlanFactory(patient_id=pk, author=provider, program=content.program)
    with django_assert_num_queries(1):
        states = checklist.states_for([patient.pk, *others])
    assert states[patient.pk].elements[2].shown_by == "3 goals with a target"
    assert states[others[0]].plan is not None and states[others[2]].plan is None
