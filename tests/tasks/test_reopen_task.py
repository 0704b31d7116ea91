import pytest

from tasks.actions import NotAllowed, RuleViolation, reopen_task
from tasks.choices import ActivityKind, Status
from tests.factories import TaskFactory
from tests.helpers import activity_mark, changes_nothing, new_activities


@pytest.fixture
def completed_task(patient, coordinator):
    return TaskFactory(patient=patient, owner=coordinator, status=Status.COMPLETED)


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.CANCELLED])
def test_manager_reopens_closed_task_with_reason(patient, coordinator, manager, status):
    task = TaskFactory(patient=patient, owner=coordinator, status=status)
    mark = activity_mark()

    reopen_task(task, by=manager, reason="Result came back abnormal")

    task.refresh_from_db()
    assert (task.status, task.outcome, task.completed_at, task.completed_by) == (
        Status.IN_PROGRESS,
        "",
        None,
        None,
    )
    assert task.owner == coordinator
    (activity,) = new_activities(task, mark)
    assert activity.kind == ActivityKind.STATUS_CHANGE
    assert activity.actor == manager
    assert (activity.from_status, activity.to_status) == (status, Status.IN_PROGRESS)
    assert activity.body == "Result came back abnormal"
    history = task.history.latest()
    assert history.history_user == manager
    assert history.history_change_reason == "Result came back abnormal"
    assert (history.status, history.outcome) == (Status.IN_PROGRESS, "")


def test_reopen_needs_a_reason(completed_task, manager):
    with changes_nothing(completed_task), pytest.raises(RuleViolation) as refused:
        reopen_task(completed_task, by=manager, reason=" ")
    assert refused.value.rule == "reopen-needs-reason"


@pytest.mark.parametrize("status", [Status.NEW, Status.IN_PROGRESS, Status.WAITING])
def test_reopen_only_closed_tasks(patient, coordinator, manager, status):
    task = TaskFactory(patient=patient, owner=coordinator, status=status)

    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        reopen_task(task, by=manager, reason="Again")
    assert refused.value.rule == "reopen-only-closed"


@pytest.mark.parametrize("actor", ["coordinator", "provider", "front_desk", "admin"])
def test_non_manager_cannot_reopen_even_own_task(request, completed_task, actor):
    with changes_nothing(completed_task), pytest.raises(NotAllowed):
        reopen_task(completed_task, by=request.getfixturevalue(actor), reason="Needs another call")


def test_manager_of_another_team_cannot_reopen(completed_task, other_manager):
    assert other_manager.has_perm("tasks.reopen_task")

    with changes_nothing(completed_task), pytest.raises(NotAllowed):
        reopen_task(completed_task, by=other_manager, reason="Needs another call")
