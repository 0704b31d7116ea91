import pytest

from tasks.actions import VersionConflict, add_note, complete_task, reassign_task, start_task
from tasks.choices import ActivityKind, Status
from tasks.models import Task
from tests.helpers import changes_nothing


def test_second_stale_copy_is_refused_naming_who_changed_it(task, coordinator, manager):
    mine, theirs = Task.objects.get(pk=task.pk), Task.objects.get(pk=task.pk)
    start_task(mine, by=coordinator)

    with changes_nothing(task), pytest.raises(VersionConflict) as conflict:
        complete_task(theirs, by=manager, outcome="Done from a stale page")

    assert conflict.value.changed_by == coordinator.get_full_name()
    assert coordinator.get_full_name() in conflict.value.message
    assert conflict.value.rule == "version-conflict"
    assert conflict.value.current.version == 2
    task.refresh_from_db()
    assert (task.status, task.outcome, task.version) == (Status.IN_PROGRESS, "", 2)
    assert task.history.latest().history_user == coordinator


def test_stale_expected_version_from_a_form_is_a_conflict(task, coordinator, colleague, manager):
    reassign_task(task, by=coordinator, to=colleague, reason="Covering")
    task.refresh_from_db()

    with changes_nothing(task), pytest.raises(VersionConflict) as conflict:
        start_task(task, by=manager, expected_version=1)
    assert conflict.value.changed_by == coordinator.get_full_name()
    assert task.owner == colleague


def test_conflict_names_who_changed_the_task_not_who_last_wrote_a_note(task, coordinator, manager, colleague):
    stale = Task.objects.get(pk=task.pk)
    start_task(task, by=coordinator)
    add_note(task, by=colleague, body="Called, no answer")

    with pytest.raises(VersionConflict) as conflict:
        complete_task(stale, by=manager, outcome="Done")

    assert conflict.value.changed_by == coordinator.get_full_name()
    assert task.activities.filter(kind=ActivityKind.STATUS_CHANGE).count() == 1
