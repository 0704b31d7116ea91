import datetime
from unittest import mock

from notifications import actions, jobs
from notifications.models import Kind, Notification
from tasks import actions as task_actions
from tasks.choices import Status
from tests.factories import TaskFactory
from tests.notifications.conftest import keys, local


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def test_owner_hears_once_of_a_task_that_went_overdue(patient, coordinator, today):
    overdue = TaskFactory(patient=patient, owner=coordinator, due_on=today - _days(1))
    TaskFactory(patient=patient, owner=coordinator, due_on=today)  # due today: not overdue yet
    TaskFactory(patient=patient, owner=coordinator, due_on=today + _days(1))

    created = actions.notify_overdue(today=today)

    assert keys() == [("coordinator", overdue.pk, Kind.OVERDUE, 0, today - _days(1))]
    assert [pk for pk, _ in created] == list(Notification.objects.values_list("pk", flat=True))


def test_running_the_sweep_again_makes_nothing(patient, coordinator, today):
    TaskFactory(patient=patient, owner=coordinator, due_on=today - _days(2))
    first = actions.notify_overdue(today=today)

    again = actions.notify_overdue(today=today)
    next_day = actions.notify_overdue(today=today + _days(1))

    assert (len(first), again, next_day) == (1, [], [])
    assert Notification.objects.count() == 1


def test_task_due_yesterday_is_overdue_from_local_midnight_not_utc_midnight(patient, coordinator, today):
    """Due yesterday = overdue since a minute after local midnight. At 23:59 in the practice
    the UTC date is already tomorrow; the sweep must still judge by the practice's date."""
    task = TaskFactory(patient=patient, owner=coordinator, due_on=today)
    before_midnight = local(today, 23, 59)
    after_midnight = local(today + _days(1), 0, 1)
    assert before_midnight.astimezone(datetime.UTC).date() != today  # the boundary this test is about

    with mock.patch("django.utils.timezone.now", return_value=before_midnight):
        assert jobs.sweep_overdue() == 0
    with mock.patch("django.utils.timezone.now", return_value=after_midnight):
        assert jobs.sweep_overdue() == 1

    assert keys() == [("coordinator", task.pk, Kind.OVERDUE, 0, today)]


def test_task_completed_after_going_overdue_is_not_announced(patient, coordinator, today):
    task = TaskFactory(patient=patient, owner=coordinator, due_on=today - _days(1))
    task_actions.complete_task(task, by=coordinator, outcome="Reached the patient")

    assert actions.notify_overdue(today=today) == []


def test_waiting_and_closed_tasks_are_not_announced_as_overdue(patient, coordinator, today):
    for status in (Status.WAITING, Status.CANCELLED, Status.COMPLETED):
        TaskFactory(patient=patient, owner=coordinator, due_on=today - _days(1), status=status)
    started = TaskFactory(
        patient=patient, owner=coordinator, due_on=today - _days(1), status=Status.IN_PROGRESS
    )

    actions.notify_overdue(today=today)

    assert [task_id for _, task_id, *_ in keys()] == [started.pk]


def test_new_owner_hears_of_an_overdue_task_reassigned_to_them(
    patient, coordinator, colleague, manager, today
):
    task = TaskFactory(patient=patient, owner=coordinator, due_on=today - _days(1))
    actions.notify_overdue(today=today)

    task_actions.reassign_task(task, by=manager, to=colleague, reason="Covering")
    actions.notify_overdue(today=today)
    actions.notify_overdue(today=today)

    assert [(who, kind) for who, _, kind, *_ in keys(Kind.OVERDUE)] == [
        ("coordinator", Kind.OVERDUE),
        ("colleague", Kind.OVERDUE),
    ]


def test_work_overdue_for_longer_than_the_lookback_is_left_to_escalation(patient, coordinator, today):
    TaskFactory(patient=patient, owner=coordinator, due_on=today - _days(actions.LOOKBACK_DAYS + 1))
    inside = TaskFactory(patient=patient, owner=coordinator, due_on=today - _days(actions.LOOKBACK_DAYS))

    actions.notify_overdue(today=today)

    assert [task_id for _, task_id, *_ in keys()] == [inside.pk]


def test_a_step_waiting_for_an_earlier_open_one_is_not_announced_overdue(
    patient, coordinator, colleague, today
):
    earlier = TaskFactory(patient=patient, owner=colleague, due_on=today - _days(2))
    blocked = TaskFactory(patient=patient, owner=coordinator, due_on=today - _days(1), depends_on=earlier)

    actions.notify_overdue(today=today)

    assert [task_id for _, task_id, *_ in keys()] == [earlier.pk]
    assert blocked.pk not in [task_id for _, task_id, *_ in keys()]
