import pytest

from tasks.actions import NotAllowed, RuleViolation, start_task
from tasks.choices import ActivityKind, Status
from tests.factories import TaskFactory
from tests.helpers import activity_mark, changes_nothing, new_activities


def test_owner_starts_new_task(task, coordinator):
    mark = activity_mark()

    started = start_task(task, by=coordinator)

    task.refresh_from_db()
    assert task.status == Status.IN_PROGRESS
    assert task.version == started.version == 2
    (activity,) = new_activities(task, mark)
    assert activity.kind == ActivityKind.STATUS_CHANGE
    assert activity.actor == coordinator
    assert (activity.from_status, activity.to_status) == (Status.NEW, Status.IN_PROGRESS)
    assert activity.body == ""
    history = task.history.latest()
    assert history.history_user == coordinator
    assert history.history_change_reason == "start"
    assert history.status == Status.IN_PROGRESS
    assert history.version == 2


def test_manager_starts_a_team_members_task(task, manager):
    start_task(task, by=manager)

    task.refresh_from_db()
    assert task.status == Status.IN_PROGRESS
    assert task.history.latest().history_user == manager


@pytest.mark.parametrize("status", [Status.IN_PROGRESS, Status.WAITING, Status.COMPLETED, Status.CANCELLED])
def test_start_only_from_new(patient, coordinator, status):
    task = TaskFactory(patient=patient, owner=coordinator, status=status)

    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        start_task(task, by=coordinator)
    assert refused.value.rule == "start-only-from-new"


@pytest.mark.parametrize("actor", ["colleague", "front_desk", "provider", "admin", "other_manager"])
def test_only_owner_or_team_manager_can_start(request, task, actor):
    with changes_nothing(task), pytest.raises(NotAllowed) as refused:
        start_task(task, by=request.getfixturevalue(actor))
    assert refused.value.rule == "not-allowed"
