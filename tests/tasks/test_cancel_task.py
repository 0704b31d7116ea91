import pytest

from tasks.actions import NotAllowed, RuleViolation, VersionConflict, cancel_task
from tasks.choices import ActivityKind, Status
from tests.factories import TaskFactory
from tests.helpers import activity_mark, changes_nothing, new_activities


@pytest.mark.parametrize("status", [Status.NEW, Status.IN_PROGRESS])
def test_owner_cancels_task_with_reason(patient, coordinator, status):
    task = TaskFactory(patient=patient, owner=coordinator, status=status)
    mark = activity_mark()

    cancel_task(task, by=coordinator, reason="Patient moved out of state")

    task.refresh_from_db()
    assert (task.status, task.outcome) == (Status.CANCELLED, "Patient moved out of state")
    (activity,) = new_activities(task, mark)
    assert activity.kind == ActivityKind.STATUS_CHANGE
    assert activity.actor == coordinator
    assert (activity.from_status, activity.to_status) == (status, Status.CANCELLED)
    assert activity.body == "Patient moved out of state"
    history = task.history.latest()
    assert history.history_user == coordinator
    assert history.history_change_reason == "Patient moved out of state"
    assert history.status == Status.CANCELLED


def test_cancel_needs_a_reason(task, coordinator):
    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        cancel_task(task, by=coordinator, reason="")
    assert refused.value.rule == "cancel-needs-reason"


@pytest.mark.parametrize("status", [Status.WAITING, Status.COMPLETED, Status.CANCELLED])
def test_cancel_only_new_or_in_progress(patient, coordinator, status):
    task = TaskFactory(patient=patient, owner=coordinator, status=status)

    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        cancel_task(task, by=coordinator, reason="No longer needed")
    assert refused.value.rule == "cancel-only-new-or-in-progress"


def test_provider_cannot_cancel_a_coordinators_task(task, provider):
    with changes_nothing(task), pytest.raises(NotAllowed):
        cancel_task(task, by=provider, reason="No longer needed")


def test_resume_waiting_ends_the_wait_then_cancels_in_one_step(patient, coordinator):
    task = TaskFactory(patient=patient, owner=coordinator, status=Status.WAITING)
    mark = activity_mark()

    cancelled = cancel_task(task, by=coordinator, reason="Patient declined", resume_waiting=True)

    assert (cancelled.status, cancelled.outcome, cancelled.waiting_until) == (
        Status.CANCELLED,
        "Patient declined",
        None,
    )
    steps = [(a.from_status, a.to_status, a.body) for a in new_activities(task, mark)]
    assert steps == [
        (Status.WAITING, Status.IN_PROGRESS, "Patient declined"),
        (Status.IN_PROGRESS, Status.CANCELLED, "Patient declined"),
    ]


def test_resume_waiting_checks_the_version_before_either_step(patient, coordinator):
    task = TaskFactory(patient=patient, owner=coordinator, status=Status.WAITING)

    with changes_nothing(task), pytest.raises(VersionConflict):
        cancel_task(
            task,
            by=coordinator,
            reason="Patient declined",
            expected_version=task.version - 1,
            resume_waiting=True,
        )
