import pytest

from tasks.actions import NotAllowed, RuleViolation, reassign_task
from tasks.choices import ActivityKind, Status
from tests.factories import TaskFactory
from tests.helpers import activity_mark, changes_nothing, new_activities


def test_coordinator_reassigns_own_task_within_team_with_reason(task, coordinator, colleague):
    mark = activity_mark()

    reassign_task(task, by=coordinator, to=colleague, reason="Covering while I am out")

    task.refresh_from_db()
    assert (task.owner, task.status, task.version) == (colleague, Status.NEW, 2)
    (activity,) = new_activities(task, mark)
    assert activity.kind == ActivityKind.REASSIGNMENT
    assert activity.actor == coordinator
    assert (activity.from_owner, activity.to_owner) == (coordinator, colleague)
    assert activity.body == "Covering while I am out"
    history = task.history.latest()
    assert history.history_user == coordinator
    assert history.history_change_reason == "Covering while I am out"
    assert history.owner_id == colleague.pk


def test_manager_reassigns_any_task_of_managed_team(task, manager, colleague, coordinator):
    reassign_task(task, by=manager, to=colleague, reason="Balancing workload")

    task.refresh_from_db()
    assert task.owner == colleague
    assert task.activities.get(kind=ActivityKind.REASSIGNMENT).from_owner == coordinator


def test_coordinator_cannot_reassign_a_colleagues_task(patient, coordinator, colleague, medical_assistant):
    task = TaskFactory(patient=patient, owner=colleague)

    with changes_nothing(task), pytest.raises(NotAllowed):
        reassign_task(task, by=coordinator, to=medical_assistant, reason="Taking over")


def test_coordinator_cannot_reassign_other_teams_task(other_task, coordinator, other_team):
    with changes_nothing(other_task), pytest.raises(NotAllowed):
        reassign_task(other_task, by=coordinator, to=coordinator, reason="Taking over")


@pytest.mark.parametrize("actor", ["provider", "front_desk", "admin", "other_manager"])
def test_roles_without_reassign_right_are_refused(request, patient, actor, colleague):
    user = request.getfixturevalue(actor)
    task = TaskFactory(patient=patient, owner=user) if actor in {"provider", "front_desk"} else None
    task = task or TaskFactory(patient=patient)

    with changes_nothing(task), pytest.raises(NotAllowed):
        reassign_task(task, by=user, to=colleague, reason="Taking over")


def test_new_owner_must_be_in_the_care_team(task, coordinator, outsider):
    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        reassign_task(task, by=coordinator, to=outsider, reason="Covering")
    assert refused.value.rule == "owner-in-care-team"


def test_new_owner_must_be_active(task, coordinator, colleague):
    colleague.is_active = False
    colleague.save()

    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        reassign_task(task, by=coordinator, to=colleague, reason="Covering")
    assert refused.value.rule == "owner-in-care-team"


@pytest.mark.parametrize(
    ("to", "reason", "rule"),
    [
        ("colleague", "", "reassign-needs-reason"),
        (None, "Covering", "reassign-needs-owner"),
        ("coordinator", "Covering", "reassign-to-someone-else"),
    ],
)
def test_reassignment_needs_reason_and_a_different_owner(request, task, coordinator, to, reason, rule):
    new_owner = request.getfixturevalue(to) if to else None

    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        reassign_task(task, by=coordinator, to=new_owner, reason=reason)
    assert refused.value.rule == rule


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.CANCELLED])
def test_only_open_tasks_are_reassigned(patient, manager, coordinator, colleague, status):
    task = TaskFactory(patient=patient, owner=coordinator, status=status)

    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        reassign_task(task, by=manager, to=colleague, reason="Covering")
    assert refused.value.rule == "reassign-only-open"


def test_clinical_work_cannot_go_to_someone_who_works_scheduling_and_calls_only(
    task, coordinator, front_desk, manager
):
    from tasks.choices import TaskKind
    from tests.factories import TaskFactory
    from tests.helpers import changes_nothing

    lab = TaskFactory(patient=task.patient, owner=coordinator, kind=TaskKind.LAB)
    with changes_nothing(lab), pytest.raises(RuleViolation) as refused:
        reassign_task(lab, by=manager, to=front_desk, reason="Covering")
    assert refused.value.rule == "owner-works-this-kind"

    call = TaskFactory(patient=task.patient, owner=coordinator, kind=TaskKind.OUTREACH_CALL)
    assert reassign_task(call, by=manager, to=front_desk, reason="Covering").owner == front_desk
