import pytest

from tasks.actions import NotAllowed, RuleViolation, resume_task
from tasks.choices import ActivityKind, Status
from tests.factories import TaskFactory
from tests.helpers import activity_mark, changes_nothing, new_activities


@pytest.fixture
def waiting_task(patient, coordinator):
    return TaskFactory(patient=patient, owner=coordinator, status=Status.WAITING)


def test_owner_resumes_waiting_task_and_wait_is_cleared(waiting_task, coordinator):
    mark = activity_mark()

    resume_task(waiting_task, by=coordinator, note="Lab result arrived")

    waiting_task.refresh_from_db()
    assert (waiting_task.status, waiting_task.waiting_reason, waiting_task.waiting_until) == (
        Status.IN_PROGRESS,
        "",
        None,
    )
    (activity,) = new_activities(waiting_task, mark)
    assert activity.kind == ActivityKind.STATUS_CHANGE
    assert activity.actor == coordinator
    assert (activity.from_status, activity.to_status) == (Status.WAITING, Status.IN_PROGRESS)
    assert activity.body == "Lab result arrived"
    history = waiting_task.history.latest()
    assert history.history_user == coordinator
    assert history.history_change_reason == "Lab result arrived"
    assert (history.status, history.waiting_until) == (Status.IN_PROGRESS, None)


def test_resume_without_note_records_the_action_name(waiting_task, coordinator):
    resume_task(waiting_task, by=coordinator)

    assert waiting_task.history.latest().history_change_reason == "resume"


@pytest.mark.parametrize("status", [Status.NEW, Status.IN_PROGRESS, Status.COMPLETED, Status.CANCELLED])
def test_resume_only_from_waiting(patient, coordinator, status):
    task = TaskFactory(patient=patient, owner=coordinator, status=status)

    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        resume_task(task, by=coordinator)
    assert refused.value.rule == "resume-only-from-waiting"


def test_admin_role_cannot_resume(waiting_task, admin):
    with changes_nothing(waiting_task), pytest.raises(NotAllowed):
        resume_task(waiting_task, by=admin)
