"""The CCM panel of the patient page and the timer line of the task panel: what they show, and
what they cost (a fixed, small number of queries, whatever the patient's CCM data)."""

import datetime as dt

import pytest
from django.urls import reverse

from ccm import actions, panels, totals
from ccm.models import TimeEntry
from tests.ccm.conftest import minutes_on
from tests.factories import GoalFactory, TaskFactory

# The whole patient page for a coordinator: the page itself, and four for the CCM panel
# (consents, the month's entries with their sums, the month closed or not, the CCM plan with its
# content counted). It was 25 while the panel cost seven (each sum, and the plan's goals and
# tasks, read apart).
PATIENT_PAGE_QUERIES = 22
PANEL_QUERIES = 4


def _page(patient):
    return reverse("patient_detail", args=[patient.pk])


@pytest.fixture
def ccm_history(consented, ccm_plan, coordinator, provider, task, month_start):
    """A patient with a CCM life: consent, a plan with a goal and a task, time on and off it."""
    GoalFactory(care_plan=ccm_plan, target="BP below 140/90")
    TaskFactory(patient=consented, owner=coordinator, care_plan=ccm_plan, kind="referral")
    for minutes in (12, 7, 3):
        minutes_on(consented, by=coordinator, minutes=minutes, task=task)
    minutes_on(consented, by=provider, minutes=9)
    return consented


def test_the_patient_page_costs_a_fixed_number_of_queries(
    client, django_assert_num_queries, coordinator, patient, ccm_history
):
    client.force_login(coordinator)
    client.get(_page(patient))  # warm per-process caches (content types, rights)

    with django_assert_num_queries(PATIENT_PAGE_QUERIES):
        assert client.get(_page(patient)).status_code == 200


@pytest.mark.parametrize("entries", [0, 3, 30])
def test_the_panel_costs_four_queries_whatever_the_month_holds(
    django_assert_num_queries, coordinator, consented, ccm_plan, entries
):
    for i in range(entries):
        minutes_on(consented, by=coordinator, minutes=1 + i % 9)
    coordinator.has_perm("ccm.record_time")  # the rights are read once per request, before the panel

    with django_assert_num_queries(PANEL_QUERIES):
        context = panels.patient_context(coordinator, consented)

    assert len(context["entries"]) == entries


def test_the_panels_sums_are_the_months(coordinator, provider, consented, month_start, today):
    """Summed from the loaded entries, they are what totals.patient_month sums in SQL: billable
    per staff category, and the minutes no consent covers; last month's stay out."""
    minutes_on(consented, by=coordinator, minutes=11)
    minutes_on(consented, by=provider, minutes=8)
    minutes_on(consented, by=coordinator, minutes=40, day=month_start - dt.timedelta(days=1))
    TimeEntry.objects.create(  # as if recorded while no consent covered the day
        patient=consented,
        author=coordinator,
        performed_on=today,
        minutes=6,
        description="Call",
        staff_category="clinical",
        billable=False,
    )

    sums = panels.patient_context(coordinator, consented)["sums"]

    assert sums == {"clinical": 11, "physician": 8, "unbillable": 6}
    assert sums == totals.patient_month(consented, month_start)


def test_the_task_panels_timer_line_reads_consent_and_minutes_in_one_query(
    django_assert_num_queries, coordinator, provider, patient, month_start
):
    with django_assert_num_queries(1):
        assert totals.consent_and_month(patient.pk, month_start) == {
            "consented": False,
            "clinical": 0,
            "physician": 0,
        }
    actions.record_consent(patient, by=coordinator, consented_on=month_start, method="verbal")
    minutes_on(patient, by=coordinator, minutes=13)
    minutes_on(patient, by=provider, minutes=4)

    figures = totals.consent_and_month(patient.pk, month_start)

    assert figures == {"consented": True, "clinical": 13, "physician": 4}


@pytest.mark.parametrize("running", [False, True])
def test_the_timer_panel_costs_three_queries(
    django_assert_num_queries, coordinator, consented, task, running
):
    minutes_on(consented, by=coordinator, minutes=5, task=task)
    if running:
        actions.start_timer(task, by=coordinator)
    task.patient  # noqa: B018  (the task panel has its patient already)

    with django_assert_num_queries(3):
        context = panels.timer_context(coordinator, task)
        list(context["task_entries"])

    assert (context["timer"] is not None) == running and context["sums"]["clinical"] == 5


def test_an_incomplete_plan_names_what_it_misses(client, coordinator, patient, consented, ccm_plan):
    """The panel says which CMS elements are missing, not only how many."""
    from ccm import checklist

    client.force_login(coordinator)
    missing = checklist.state_of(ccm_plan).missing

    page = client.get(_page(patient)).content.decode()

    assert missing and f"missing: {', '.join(missing)}" in page


def test_adding_time_by_hand_while_the_timer_runs_warns_against_counting_twice(
    client, coordinator, consented, task
):
    client.force_login(coordinator)
    warning = "so no minute is counted twice"
    assert warning not in client.get(task.get_absolute_url()).content.decode()

    actions.start_timer(task, by=coordinator)

    assert warning in client.get(task.get_absolute_url()).content.decode()
