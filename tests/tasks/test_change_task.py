"""Changing an open task's title, type, due date or priority: by its owner or a manager, with a
reason, a version check, a timeline row and history; a due date moved later is a reschedule."""

import pytest
from django.urls import reverse

from tasks.actions import NotAllowed, RuleViolation, VersionConflict, change_task
from tasks.choices import ActivityKind, Priority, Status, TaskKind
from tests.factories import TaskFactory, in_days
from tests.helpers import activity_mark, changes_nothing, new_activities


def test_owner_reschedules_later_with_a_reason(task, coordinator):
    mark = activity_mark()
    before = task.due_on

    changed = change_task(task, by=coordinator, due_on=in_days(14), reason="Patient travelling until then")

    assert (changed.due_on, changed.version) == (in_days(14), 2)
    (activity,) = new_activities(task, mark)
    assert (activity.kind, activity.actor) == (ActivityKind.RESCHEDULE, coordinator)
    assert activity.body == f"Due: {before:%m/%d/%Y} → {in_days(14):%m/%d/%Y}. Patient travelling until then"
    latest = task.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        coordinator,
        "Patient travelling until then",
    )


def test_manager_changes_title_type_and_priority_in_one_step(task, manager):
    mark = activity_mark()

    change_task(
        task,
        by=manager,
        title="Call about the lab order",
        kind=TaskKind.LAB,
        priority=Priority.HIGH,
        reason="Clearer",
    )

    (activity,) = new_activities(task, mark)
    assert activity.kind == ActivityKind.CHANGE
    assert "Type: Outreach call → Lab" in activity.body
    assert "Priority: Normal → High" in activity.body
    task.refresh_from_db()
    assert (task.title, task.kind, task.priority) == ("Call about the lab order", TaskKind.LAB, Priority.HIGH)


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"due_on": in_days(9), "reason": " "}, "change-needs-reason"),
        ({"due_on": in_days(-1), "reason": "Oops"}, "due-not-past"),
        ({"title": " ", "reason": "Rename"}, "task-needs-title"),
    ],
)
def test_refused_changes_change_nothing(task, coordinator, fields, rule):
    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        change_task(task, by=coordinator, **fields)
    assert refused.value.rule == rule


def test_nothing_to_change_and_closed_tasks_are_refused(task, coordinator, patient):
    with changes_nothing(task), pytest.raises(RuleViolation) as same:
        change_task(task, by=coordinator, due_on=task.due_on, reason="No-op")
    done = TaskFactory(patient=patient, owner=coordinator, status=Status.COMPLETED)
    with changes_nothing(done), pytest.raises(RuleViolation) as closed:
        change_task(done, by=coordinator, due_on=in_days(30), reason="Late")

    assert (same.value.rule, closed.value.rule) == ("change-needs-a-change", "change-only-open")


def test_a_colleague_cannot_change_someone_elses_task_and_a_stale_form_is_a_conflict(
    task, coordinator, colleague
):
    with changes_nothing(task), pytest.raises(NotAllowed):
        change_task(task, by=colleague, due_on=in_days(20), reason="Mine now")

    change_task(task, by=coordinator, due_on=in_days(20), reason="First")
    with pytest.raises(VersionConflict):
        change_task(task, by=coordinator, due_on=in_days(21), reason="Second", expected_version=1)


def test_front_desk_is_offered_only_the_types_it_may_give(client, front_desk, patient):
    own = TaskFactory(patient=patient, owner=front_desk, kind=TaskKind.SCHEDULING)
    client.force_login(front_desk)

    form = client.get(reverse("task_detail", args=[own.pk])).context["forms"]["change"]

    assert {value for value, _ in form.fields["kind"].choices} == {
        TaskKind.SCHEDULING,
        TaskKind.OUTREACH_CALL,
    }


def test_a_task_front_desk_owns_cannot_become_clinical(patient, front_desk, manager):
    from tasks.choices import TaskKind
    from tests.factories import TaskFactory
    from tests.helpers import changes_nothing

    call = TaskFactory(patient=patient, owner=front_desk, kind=TaskKind.SCHEDULING)
    with changes_nothing(call), pytest.raises(RuleViolation) as refused:
        change_task(call, by=manager, reason="It is a lab", kind=TaskKind.LAB)
    assert refused.value.rule == "owner-works-this-kind"
