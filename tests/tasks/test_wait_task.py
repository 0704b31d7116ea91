import pytest

from tasks.actions import NotAllowed, RuleViolation, wait_task
from tasks.choices import ActivityKind, Status, WaitingReason
from tests.factories import TaskFactory, in_days
from tests.helpers import activity_mark, changes_nothing, new_activities


@pytest.mark.parametrize("status", [Status.NEW, Status.IN_PROGRESS])
def test_owner_parks_task_waiting_with_reason_and_date(patient, coordinator, status):
    task = TaskFactory(patient=patient, owner=coordinator, status=status)
    mark = activity_mark()
    until = in_days(5)

    wait_task(
        task, by=coordinator, reason=WaitingReason.PATIENT_CALLBACK, until=until, note=" Left voicemail "
    )

    task.refresh_from_db()
    assert (task.status, task.waiting_reason, task.waiting_until) == (
        Status.WAITING,
        WaitingReason.PATIENT_CALLBACK,
        until,
    )
    (activity,) = new_activities(task, mark)
    assert activity.kind == ActivityKind.STATUS_CHANGE
    assert activity.actor == coordinator
    assert (activity.from_status, activity.to_status) == (status, Status.WAITING)
    assert activity.body == f"Patient callback until {until:%m/%d/%Y}: Left voicemail"
    history = task.history.latest()
    assert history.history_user == coordinator
    assert history.history_change_reason == activity.body
    assert (history.status, history.waiting_reason) == (Status.WAITING, WaitingReason.PATIENT_CALLBACK)


def test_waiting_until_today_is_accepted(task, coordinator):
    wait_task(task, by=coordinator, reason=WaitingReason.LAB_RESULT, until=in_days(0))

    task.refresh_from_db()
    assert task.status == Status.WAITING


@pytest.mark.parametrize(
    ("reason", "until", "rule"),
    [
        ("", in_days(3), "waiting-needs-reason"),
        ("bored", in_days(3), "waiting-needs-reason"),
        (WaitingReason.LAB_RESULT, None, "waiting-needs-until-date"),
        (WaitingReason.LAB_RESULT, in_days(-1), "waiting-until-not-past"),
    ],
)
def test_waiting_needs_reason_and_a_date_not_in_the_past(task, coordinator, reason, until, rule):
    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        wait_task(task, by=coordinator, reason=reason, until=until)
    assert refused.value.rule == rule


@pytest.mark.parametrize("status", [Status.WAITING, Status.COMPLETED, Status.CANCELLED])
def test_wait_only_from_new_or_in_progress(patient, coordinator, status):
    task = TaskFactory(patient=patient, owner=coordinator, status=status)

    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        wait_task(task, by=coordinator, reason=WaitingReason.OTHER, until=in_days(2))
    assert refused.value.rule == "wait-only-from-new-or-in-progress"


def test_non_owner_cannot_park_task(task, colleague):
    with changes_nothing(task), pytest.raises(NotAllowed):
        wait_task(task, by=colleague, reason=WaitingReason.OTHER, until=in_days(2))
