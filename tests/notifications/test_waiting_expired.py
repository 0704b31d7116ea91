import datetime

from notifications import actions
from notifications.models import Kind
from tasks import actions as task_actions
from tasks.choices import Status, WaitingReason
from tests.factories import TaskFactory
from tests.notifications.conftest import keys


def _day(today, n: int) -> datetime.date:
    return today + datetime.timedelta(days=n)


def _waiting(patient, owner, today, *, until_in: int, due_in: int = 10):
    task = TaskFactory(patient=patient, owner=owner, due_on=_day(today, due_in))
    return task_actions.wait_task(
        task, by=owner, reason=WaitingReason.LAB_RESULT, until=_day(today, until_in)
    )


def test_owner_hears_once_when_the_wait_has_ended(patient, coordinator, today):
    task = _waiting(patient, coordinator, today, until_in=1)

    on_last_day = actions.notify_waiting_expired(today=_day(today, 1))
    day_after = actions.notify_waiting_expired(today=_day(today, 2))
    again = actions.notify_waiting_expired(today=_day(today, 3))

    assert (on_last_day, len(day_after), again) == ([], 1, [])
    assert keys() == [("coordinator", task.pk, Kind.WAITING_EXPIRED, 0, _day(today, 1))]


def test_resumed_task_is_not_announced(patient, coordinator, today):
    task = _waiting(patient, coordinator, today, until_in=1)
    task_actions.resume_task(task, by=coordinator, note="Result arrived")

    assert actions.notify_waiting_expired(today=_day(today, 2)) == []


def test_a_new_wait_brings_a_new_notice_when_it_ends(patient, coordinator, today):
    task = _waiting(patient, coordinator, today, until_in=1)
    actions.notify_waiting_expired(today=_day(today, 2))
    task = task_actions.resume_task(task, by=coordinator)
    task_actions.wait_task(task, by=coordinator, reason=WaitingReason.PATIENT_CALLBACK, until=_day(today, 4))

    actions.notify_waiting_expired(today=_day(today, 3))
    actions.notify_waiting_expired(today=_day(today, 5))

    assert [day for *_, day in keys(Kind.WAITING_EXPIRED)] == [_day(today, 1), _day(today, 4)]


def test_ended_wait_is_announced_as_such_not_as_overdue(patient, coordinator, today):
    task = _waiting(patient, coordinator, today, until_in=1, due_in=2)
    later = _day(today, 3)  # past the due date too

    actions.notify_overdue(today=later)
    actions.notify_waiting_expired(today=later)

    assert [(task_id, kind) for _, task_id, kind, *_ in keys()] == [(task.pk, Kind.WAITING_EXPIRED)]
    assert task.status == Status.WAITING
