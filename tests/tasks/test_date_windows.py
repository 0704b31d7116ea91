"""Due dates and waits within a sane window (careplans.dates): refused by the actions with the
rule's name, shown on the field by the forms, and nothing changes."""

import pytest
from django.urls import reverse

from careplans.actions import update_care_plan
from careplans.dates import years_after
from careplans.models import CarePlan
from tasks.actions import RuleViolation, change_task, create_task, wait_task
from tasks.choices import Priority, Status, TaskKind, WaitingReason
from tests.factories import CarePlanFactory, TaskFactory, in_days
from tests.helpers import changes_nothing, creates_nothing

SIX_YEARS = 6 * 365


def _action_url(task, verb):
    return reverse("task_action", args=[task.pk, verb])


# ---- creating a task ------------------------------------------------------------------------


@pytest.mark.parametrize("days", [SIX_YEARS, -366])
def test_a_task_due_years_away_is_refused_and_nothing_is_made(patient, coordinator, days):
    with creates_nothing(), pytest.raises(RuleViolation) as refused:
        create_task(
            patient=patient,
            by=coordinator,
            title="Call back",
            kind=TaskKind.OUTREACH_CALL,
            owner=coordinator,
            due_on=in_days(days),
        )

    assert refused.value.rule == "due-date-in-window"


def test_a_plan_task_may_be_due_up_to_a_year_before_the_plan_starts(patient, coordinator, provider):
    plan = CarePlanFactory(patient=patient, author=provider, starts_on=in_days(-200))
    fields = dict(patient=patient, by=coordinator, title="Catch up", kind=TaskKind.LAB, owner=coordinator)

    made = create_task(**fields, care_plan=plan, due_on=in_days(-565))
    with creates_nothing(), pytest.raises(RuleViolation) as refused:
        create_task(**fields, care_plan=plan, due_on=in_days(-566))

    assert made.due_on == in_days(-565)
    assert refused.value.rule == "due-date-in-window"


def test_the_new_task_form_shows_a_far_due_date_on_its_field(client, coordinator, patient, today):
    client.force_login(coordinator)
    far = years_after(today, 180)  # 2205 for 2025: a slip of the keyboard

    with creates_nothing():
        response = client.post(
            reverse("task_create", args=[patient.pk]),
            {
                "title": "Call back",
                "kind": TaskKind.OUTREACH_CALL,
                "owner": coordinator.pk,
                "due_on": far.isoformat(),
                "priority": Priority.NORMAL,
            },
        )

    assert response.status_code == 400
    (error,) = response.context["form"].errors["due_on"]
    assert error.startswith("The due date cannot be after ") and "five years from today" in error
    assert error in response.text


def test_the_new_task_form_judges_a_past_date_by_the_chosen_plan(client, coordinator, patient, provider):
    plan = CarePlanFactory(patient=patient, author=provider, starts_on=in_days(-100))
    client.force_login(coordinator)
    data = {"title": "Catch up", "kind": TaskKind.LAB, "owner": coordinator.pk, "priority": Priority.NORMAL}

    with creates_nothing():
        alone = client.post(reverse("task_create", args=[patient.pk]), {**data, "due_on": in_days(-400)})
    with_plan = client.post(
        reverse("task_create", args=[patient.pk]), {**data, "due_on": in_days(-400), "care_plan": plan.pk}
    )

    assert alone.status_code == 400 and "a year before today" in alone.context["form"].errors["due_on"][0]
    assert with_plan.status_code == 302


def test_a_call_back_years_away_is_a_field_error(client, coordinator, task):
    client.force_login(coordinator)
    data = {
        "attempt-contact_outcome": "no_answer",
        "attempt-body": "",
        "attempt-call_back_on": in_days(SIX_YEARS),
    }

    with changes_nothing(task), creates_nothing():
        response = client.post(_action_url(task, "attempt"), data)

    assert response.status_code == 400
    assert "five years from today" in response.context["forms"]["attempt"].errors["call_back_on"][0]


# ---- waiting --------------------------------------------------------------------------------


def test_a_coordinator_waits_180_days_at_most(task, coordinator):
    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        wait_task(task, by=coordinator, reason=WaitingReason.REFERRAL_RESPONSE, until=in_days(181))
    wait_task(task, by=coordinator, reason=WaitingReason.REFERRAL_RESPONSE, until=in_days(180))

    assert refused.value.rule == "waiting-until-in-window"
    task.refresh_from_db()
    assert task.waiting_until == in_days(180)


def test_a_manager_of_the_team_sets_a_longer_wait_but_not_past_five_years(task, manager):
    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        wait_task(task, by=manager, reason=WaitingReason.PRIOR_AUTH, until=in_days(SIX_YEARS))
    wait_task(task, by=manager, reason=WaitingReason.PRIOR_AUTH, until=in_days(400))

    assert refused.value.rule == "waiting-until-in-window"
    task.refresh_from_db()
    assert (task.status, task.waiting_until) == (Status.WAITING, in_days(400))


def test_the_wait_form_shows_the_limit_and_refuses_past_it_on_the_field(client, coordinator, task):
    client.force_login(coordinator)
    offered = client.get(task.get_absolute_url()).context["forms"]["wait"]
    data = {
        "wait-version": task.version,
        "wait-reason": "lab_result",
        "wait-until": in_days(200),
        "wait-note": "",
    }

    with changes_nothing(task):
        response = client.post(_action_url(task, "wait"), data)

    assert offered.fields["until"].help_text == "Within 180 days; a manager can set a longer wait."
    assert response.status_code == 400
    (error,) = response.context["forms"]["wait"].errors["until"]
    assert "at most (180 days)" in error and error in response.text


def test_a_manager_is_offered_and_given_a_longer_wait(client, manager, task):
    client.force_login(manager)
    offered = client.get(task.get_absolute_url()).context["forms"]["wait"]
    data = {
        "wait-version": task.version,
        "wait-reason": "prior_auth",
        "wait-until": in_days(200),
        "wait-note": "",
    }

    response = client.post(_action_url(task, "wait"), data)

    assert offered.fields["until"].help_text == ""
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.waiting_until == in_days(200)


# ---- changing a task ------------------------------------------------------------------------


def test_a_due_date_moved_years_ahead_is_refused(task, coordinator):
    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        change_task(task, by=coordinator, due_on=in_days(SIX_YEARS), reason="Typo")

    assert refused.value.rule == "due-date-in-window"


def _change_data(task, **overrides):
    return {
        "change-version": task.version,
        "change-title": task.title,
        "change-kind": task.kind,
        "change-due_on": task.due_on.isoformat(),
        "change-priority": task.priority,
        "change-reason": "Clearer",
        **overrides,
    }


def test_the_change_form_shows_a_far_due_date_on_its_field(client, coordinator, task):
    client.force_login(coordinator)

    with changes_nothing(task):
        response = client.post(
            _action_url(task, "change"), _change_data(task, **{"change-due_on": in_days(SIX_YEARS)})
        )

    assert response.status_code == 400
    assert "five years from today" in response.context["forms"]["change"].errors["due_on"][0]


def test_an_overdue_task_is_renamed_without_moving_its_date(client, coordinator, patient):
    overdue = TaskFactory(patient=patient, owner=coordinator, due_on=in_days(-3))
    client.force_login(coordinator)

    response = client.post(
        _action_url(overdue, "change"), _change_data(overdue, **{"change-title": "Call Mr. B"})
    )

    assert response.status_code == 302
    overdue.refresh_from_db()
    assert (overdue.title, overdue.due_on) == ("Call Mr. B", in_days(-3))


# ---- a plan's end ---------------------------------------------------------------------------


def _edit_plan(client, plan, ends_on):
    data = {
        "version": plan.version,
        "status": plan.status,
        "ends_on": ends_on,
        "interventions": plan.interventions,
        "goals-TOTAL_FORMS": 0,
        "goals-INITIAL_FORMS": 0,
    }
    return client.post(reverse("care_plan_edit", args=[plan.pk]), data)


def test_a_plan_end_years_ahead_is_a_field_error_and_the_action_refuses_it(client, provider, care_plan):
    client.force_login(provider)
    before = CarePlan.objects.values().get(pk=care_plan.pk)

    response = _edit_plan(client, care_plan, in_days(SIX_YEARS).isoformat())
    with pytest.raises(RuleViolation) as refused:
        update_care_plan(
            care_plan,
            by=provider,
            expected_version=care_plan.version,
            status=care_plan.status,
            ends_on=in_days(SIX_YEARS),
            interventions="",
            goals=[],
        )

    assert response.status_code == 400
    assert "five years from today" in response.context["form"].errors["ends_on"][0]
    assert refused.value.rule == "plan-dates-in-window"
    assert CarePlan.objects.values().get(pk=care_plan.pk) == before


def test_a_plan_keeps_an_end_it_already_has(client, provider, care_plan):
    CarePlan.objects.filter(pk=care_plan.pk).update(ends_on=in_days(SIX_YEARS))  # from before the rule
    care_plan.refresh_from_db()
    client.force_login(provider)

    response = _edit_plan(client, care_plan, in_days(SIX_YEARS).isoformat())

    assert response.status_code == 302
