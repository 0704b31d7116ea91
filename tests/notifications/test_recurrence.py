import datetime

import pytest
from django.db import transaction

from accounts.roles import Role
from careplans.models import CarePlanStatus
from tasks import actions, jobs, recurrence
from tasks.choices import ActivityKind, Status, TaskKind
from tasks.models import Activity, Task
from tests.factories import CarePlanFactory, TaskFactory, TemplateTaskFactory, member


def _day(today, n: int) -> datetime.date:
    return today + datetime.timedelta(days=n)


@pytest.fixture
def check_in(patient, coordinator, today):
    """A weekly ad-hoc check-in, due today."""
    return TaskFactory(
        patient=patient, owner=coordinator, kind=TaskKind.CHECK_IN, due_on=today, recurrence_days=7
    )


def _next_of(task) -> Task | None:
    return Task.objects.filter(previous_occurrence=task).first()


def test_completing_a_recurring_check_in_makes_the_next_one_after_commit(
    eager_celery, check_in, coordinator, today, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.complete_task(check_in, by=coordinator, outcome="Glucose log reviewed")

    assert len(callbacks) == 1
    following = _next_of(check_in)
    assert (following.due_on, following.occurrence, following.status) == (_day(today, 7), 2, Status.NEW)
    assert (following.owner, following.title, following.recurrence_days) == (coordinator, check_in.title, 7)
    (created,) = Activity.objects.filter(task=following)
    assert (created.kind, created.actor, created.to_owner) == (ActivityKind.CREATED, None, coordinator)
    assert created.body == "Occurrence 2 of a recurring task"
    history = following.history.get()
    assert (history.history_type, history.history_user, history.history_change_reason) == (
        "+",
        None,
        "next occurrence",
    )


def test_completion_rolled_back_queues_nothing(
    eager_celery, check_in, coordinator, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        actions.complete_task(check_in, by=coordinator, outcome="Reviewed")
        raise RuntimeError("the request failed after the action")

    assert callbacks == []
    assert _next_of(check_in) is None


def test_next_occurrence_is_made_once_whoever_asks(check_in, coordinator, today):
    recurrence.create_next_occurrences(Task.objects.filter(pk=check_in.pk))
    actions.complete_task(check_in, by=coordinator, outcome="Reviewed")  # the hook, run below
    jobs.create_next_occurrence.apply(args=[check_in.pk])
    recurrence.create_due_occurrences(today=today)

    assert Task.objects.filter(previous_occurrence=check_in).count() == 1


def test_check_in_that_fell_due_gets_its_next_without_being_completed(check_in, today):
    assert recurrence.create_due_occurrences(today=_day(today, -1)) == 0  # not due yet

    assert recurrence.create_due_occurrences(today=today) == 1

    assert _next_of(check_in).due_on == _day(today, 7)
    assert check_in.status == Status.NEW


def test_series_behind_by_several_intervals_catches_up_in_one_run(check_in, today):
    made = recurrence.create_due_occurrences(today=_day(today, 15))

    assert made == 3  # due +7, +14 and +21: the last is the first not yet due
    assert sorted(Task.objects.filter(recurrence_days=7).values_list("occurrence", "due_on")) == [
        (1, today),
        (2, _day(today, 7)),
        (3, _day(today, 14)),
        (4, _day(today, 21)),
    ]


def test_series_stops_at_its_end_date(patient, coordinator, today):
    TaskFactory(
        patient=patient, owner=coordinator, due_on=today, recurrence_days=7, recurrence_ends_on=_day(today, 6)
    )
    last_but_one = TaskFactory(
        patient=patient, owner=coordinator, due_on=today, recurrence_days=7, recurrence_ends_on=_day(today, 7)
    )

    recurrence.create_due_occurrences(today=today)

    assert list(
        Task.objects.filter(previous_occurrence__isnull=False).values_list("previous_occurrence", flat=True)
    ) == [last_but_one.pk]


def test_cancelled_occurrence_ends_the_series(check_in, coordinator, today):
    actions.cancel_task(check_in, by=coordinator, reason="Patient moved away")

    assert recurrence.create_due_occurrences(today=_day(today, 30)) == 0


@pytest.mark.parametrize(
    ("status", "ends_in", "continues"),
    [
        (CarePlanStatus.ACTIVE, None, True),
        (CarePlanStatus.ACTIVE, 7, True),
        (CarePlanStatus.ACTIVE, 6, False),  # the plan ends before the next one is due
        (CarePlanStatus.COMPLETED, None, False),
        (CarePlanStatus.REVOKED, None, False),
        (CarePlanStatus.ON_HOLD, None, False),
    ],
)
def test_template_series_runs_while_its_care_plan_does(
    patient, coordinator, today, status, ends_in, continues
):
    plan = CarePlanFactory(
        patient=patient, status=status, starts_on=_day(today, -30), ends_on=ends_in and _day(today, ends_in)
    )
    step = TemplateTaskFactory(template__program=plan.program, recurrence_days=7)
    first = TaskFactory(
        patient=patient,
        owner=coordinator,
        care_plan=plan,
        template_task=step,
        due_on=today,
        recurrence_days=7,
    )

    recurrence.create_due_occurrences(today=today)
    recurrence.create_due_occurrences(today=today)

    following = _next_of(first)
    assert (following is not None) == continues
    if continues:
        assert (following.care_plan, following.template_task, following.occurrence) == (plan, step, 2)


def test_next_occurrence_goes_to_the_manager_when_the_owner_left_the_team(
    check_in, coordinator, manager, today
):
    coordinator.is_active = False
    coordinator.save()

    recurrence.create_due_occurrences(today=today)

    assert _next_of(check_in).owner == manager


def test_non_recurring_tasks_never_repeat(patient, coordinator, today):
    task = TaskFactory(patient=patient, owner=coordinator, due_on=today)
    actions.complete_task(task, by=coordinator, outcome="Done")

    assert recurrence.create_due_occurrences(today=_day(today, 30)) == 0
    assert recurrence.create_next_occurrences(Task.objects.filter(pk=task.pk)) == []


def test_each_run_costs_a_fixed_number_of_queries(patient, coordinator, today, django_assert_max_num_queries):
    member(Role.MEDICAL_ASSISTANT, patient.care_team)
    for _ in range(3):
        TaskFactory(patient=patient, owner=coordinator, due_on=today, recurrence_days=7)
    with django_assert_max_num_queries(12) as few:
        assert recurrence.create_due_occurrences(today=today) == 3
    for _ in range(30):
        TaskFactory(patient=patient, owner=coordinator, due_on=today, recurrence_days=7)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert recurrence.create_due_occurrences(today=today) == 30
