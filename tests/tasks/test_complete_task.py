import pytest

from tasks.actions import NotAllowed, RuleViolation, complete_task
from tasks.choices import ActivityKind, Status
from tests.factories import TaskFactory
from tests.helpers import activity_mark, changes_nothing, new_activities


@pytest.mark.parametrize("status", [Status.NEW, Status.IN_PROGRESS, Status.WAITING])
def test_owner_completes_open_task_with_outcome(patient, coordinator, status):
    task = TaskFactory(patient=patient, owner=coordinator, status=status)
    mark = activity_mark()

    complete_task(task, by=coordinator, outcome="  Booked for 3/14  ")

    task.refresh_from_db()
    assert (task.status, task.outcome, task.completed_by) == (
        Status.COMPLETED,
        "Booked for 3/14",
        coordinator,
    )
    assert task.completed_at is not None
    assert (task.waiting_reason, task.waiting_until) == ("", None)
    (activity,) = new_activities(task, mark)
    assert activity.kind == ActivityKind.STATUS_CHANGE
    assert activity.actor == coordinator
    assert (activity.from_status, activity.to_status) == (status, Status.COMPLETED)
    assert activity.body == "Booked for 3/14"
    history = task.history.latest()
    assert history.history_user == coordinator
    assert history.history_change_reason == "Booked for 3/14"
    assert (history.status, history.outcome) == (Status.COMPLETED, "Booked for 3/14")


def test_completion_needs_an_outcome(task, coordinator):
    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        complete_task(task, by=coordinator, outcome="  ")
    assert refused.value.rule == "completion-needs-outcome"


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.CANCELLED])
def test_complete_only_open_tasks(patient, coordinator, status):
    task = TaskFactory(patient=patient, owner=coordinator, status=status)

    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        complete_task(task, by=coordinator, outcome="Done again")
    assert refused.value.rule == "complete-only-open-tasks"


def test_front_desk_cannot_complete_someone_elses_task(task, front_desk):
    with changes_nothing(task), pytest.raises(NotAllowed):
        complete_task(task, by=front_desk, outcome="Done")
