"""A care plan's progress on the patient page (done / open / overdue, one query for every plan),
and the proposal to complete a plan once its last task has closed: on the patient page, in the
task panel and in the flash after the closing action. Never completed automatically."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from careplans.models import CarePlanStatus
from tasks import actions, notes
from tasks.choices import Status, TaskKind
from tasks.models import Task
from tasks.progress import PlanProgress, plan_progress
from tests.factories import CarePlanFactory, TaskFactory, in_days
from tests.helpers import count_queries

HTMX = {"HX-Request": "true"}
PROPOSAL = "are closed — "


def _page(patient):
    return reverse("patient_detail", args=[patient.pk])


def _task(plan, owner, status=Status.NEW, due=3, **kwargs):
    return TaskFactory(
        patient=plan.patient, care_plan=plan, owner=owner, status=status, due_on=in_days(due), **kwargs
    )


def test_progress_counts_each_plans_tasks_in_one_query(patient, provider, coordinator, today):
    diabetes, discharge = (CarePlanFactory(patient=patient, author=provider) for _ in range(2))
    _task(diabetes, coordinator, Status.COMPLETED)
    _task(diabetes, coordinator, Status.CANCELLED)
    _task(diabetes, coordinator, Status.IN_PROGRESS, due=-2)
    _task(diabetes, coordinator, Status.WAITING, due=-1)
    _task(diabetes, coordinator, Status.NEW, due=0)
    _task(discharge, coordinator, Status.COMPLETED, due=-5)  # closed: never overdue
    TaskFactory(patient=patient, owner=coordinator)  # ad hoc: no plan

    with CaptureQueriesContext(connection) as queries:
        progress = plan_progress(Task.objects.filter(patient=patient), today)

    assert len(queries) == 1
    assert progress == {
        diabetes.pk: PlanProgress(done=1, cancelled=1, open=3, overdue=2),
        discharge.pk: PlanProgress(done=1),
    }
    assert progress[diabetes.pk].planned == 4


def test_the_patient_page_shows_each_plans_figures(client, coordinator, patient, provider):
    plan = CarePlanFactory(patient=patient, author=provider)
    _task(plan, coordinator, Status.COMPLETED)
    _task(plan, coordinator, due=-1)
    _task(plan, coordinator)
    client.force_login(coordinator)

    body = client.get(_page(patient)).content.decode()

    assert '<progress value="1" max="3"' in body
    assert '1 of 3 tasks done · 2 open · <strong class="overdue">1 overdue</strong>' in body


def _grow(patient, provider, owners, *, plans, tasks_each, notes_count):
    for p in range(plans):
        plan = CarePlanFactory(patient=patient, author=provider)
        for i in range(tasks_each):
            status = [Status.NEW, Status.COMPLETED, Status.WAITING, Status.CANCELLED][(i + p) % 4]
            _task(
                plan,
                owners[i % len(owners)],
                status,
                due=i - 2,
                kind=TaskKind.OUTREACH_CALL,
                recurrence_days=30 if i == 1 else None,
            )
    for i in range(notes_count):
        notes.add_patient_note(patient, by=owners[i % len(owners)], body=f"note {i}")


@pytest.mark.parametrize("who", ["provider", "coordinator", "front_desk"])
def test_more_plans_tasks_and_notes_cost_no_more_queries(
    client, request, who, patient, provider, coordinator, colleague
):
    owners = [coordinator, colleague]
    client.force_login(request.getfixturevalue(who))
    _grow(patient, provider, owners, plans=1, tasks_each=3, notes_count=1)
    client.get(_page(patient))  # warm per-process caches
    few = count_queries(client, _page(patient))

    _grow(patient, provider, owners, plans=4, tasks_each=8, notes_count=8)
    many = count_queries(client, _page(patient))

    assert many == few


def test_proposed_once_the_last_open_task_closes_and_not_before(client, coordinator, provider, patient):
    plan = CarePlanFactory(patient=patient, author=provider)
    first, last = _task(plan, coordinator), _task(plan, coordinator)
    client.force_login(coordinator)

    actions.complete_task(first, by=coordinator, outcome="Reached")
    before = client.get(_page(patient)).content.decode()
    actions.cancel_task(last, by=coordinator, reason="Patient declined")
    after = client.get(_page(patient)).content.decode()

    assert PROPOSAL not in before
    assert (
        f"All tasks of the {plan.program} plan from {plan.starts_on:%m/%d/%Y} are closed — its provider"
        in after
    )
    plan.refresh_from_db()
    assert plan.status == CarePlanStatus.ACTIVE  # proposed, never done for the provider


def test_the_provider_is_linked_to_complete_it_with_completed_chosen(client, provider, coordinator, patient):
    plan = CarePlanFactory(patient=patient, author=provider)
    _task(plan, coordinator, Status.COMPLETED)
    client.force_login(provider)

    body = client.get(_page(patient)).content.decode()
    edit = client.get(reverse("care_plan_edit", args=[plan.pk]), {"complete": "1"})

    link = reverse("care_plan_edit", args=[plan.pk]) + "?complete=1"
    assert f'<a href="{link}">complete the plan?</a>' in body
    assert edit.context["form"]["status"].value() == CarePlanStatus.COMPLETED


@pytest.mark.parametrize("status", [CarePlanStatus.COMPLETED, CarePlanStatus.REVOKED])
def test_an_ended_plan_is_not_proposed(client, coordinator, provider, patient, status):
    plan = CarePlanFactory(patient=patient, author=provider, status=status)
    _task(plan, coordinator, Status.COMPLETED)
    client.force_login(coordinator)

    assert PROPOSAL not in client.get(_page(patient)).content.decode()


def test_a_plan_without_tasks_or_whose_series_goes_on_is_not_proposed(client, coordinator, provider, patient):
    """A completed check-in whose next occurrence the worker has yet to make is work to come."""
    CarePlanFactory(patient=patient, author=provider)
    series = CarePlanFactory(patient=patient, author=provider)
    # Completed; the worker that makes the next occurrence after commit never runs in this test.
    check_in = _task(series, coordinator, Status.COMPLETED, kind=TaskKind.CHECK_IN, recurrence_days=30)
    assert not Task.objects.filter(previous_occurrence=check_in).exists()
    client.force_login(coordinator)

    assert PROPOSAL not in client.get(_page(patient)).content.decode()


def test_the_closing_action_says_so_in_its_flash_and_the_panel(client, coordinator, provider, patient):
    plan = CarePlanFactory(patient=patient, author=provider)
    first, last = _task(plan, coordinator), _task(plan, coordinator)
    client.force_login(coordinator)

    not_yet = client.post(
        reverse("task_action", args=[first.pk, "complete"]),
        {"complete-outcome": "Booked", "complete-version": first.version},
        follow=True,
    )
    panel = client.post(
        reverse("task_action", args=[last.pk, "cancel"]),
        {"cancel-reason": "Duplicate", "cancel-version": last.version},
        headers=HTMX,
    )
    last.refresh_from_db()
    actions.reopen_task(last, by=None, reason="Wrong task")
    reopened = client.get(reverse("task_detail", args=[last.pk])).content.decode()
    last.refresh_from_db()
    flashed = client.post(
        reverse("task_action", args=[last.pk, "complete"]),
        {"complete-outcome": "Done after all", "complete-version": last.version},
        follow=True,
    )

    assert PROPOSAL not in not_yet.content.decode()
    assert PROPOSAL in panel.content.decode()
    assert PROPOSAL not in reopened
    flashes = [str(m) for m in flashed.context["messages"]]
    assert flashes[0] == "Saved."
    assert flashes[1].startswith(f"All tasks of the {plan.program} plan")


def test_front_desk_is_not_told_about_plans(client, front_desk, coordinator, provider, patient):
    plan = CarePlanFactory(patient=patient, author=provider)
    call = _task(plan, front_desk, kind=TaskKind.SCHEDULING)
    client.force_login(front_desk)

    response = client.post(
        reverse("task_action", args=[call.pk, "complete"]),
        {"complete-outcome": "Booked", "complete-version": call.version},
        follow=True,
    )

    assert PROPOSAL not in response.content.decode()
