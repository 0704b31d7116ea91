"""What each Activity row carries for the flow metrics: its task's care team, and on a status
change since when the task had been in the status it left (the previous status event)."""

import importlib
import itertools

from django.db import connection

from tasks import actions, escalation
from tasks.choices import ActivityKind, Status, TaskKind, WaitingReason
from tasks.models import Activity, Task
from tests.factories import in_days

fill = importlib.import_module("tasks.migrations.0005_fill_activity_team_and_status_since")


def _lifecycle(patient, coordinator, manager) -> Task:
    task = actions.create_task(
        patient=patient,
        by=coordinator,
        title="Call",
        kind=TaskKind.OUTREACH_CALL,
        owner=coordinator,
        due_on=in_days(2),
    )
    task = actions.start_task(task, by=coordinator)
    actions.add_note(task, by=coordinator, body="Left a message", contact_outcome="left_message")
    task = actions.wait_task(task, by=coordinator, reason=WaitingReason.PATIENT_CALLBACK, until=in_days(3))
    task = actions.resume_task(task, by=coordinator)
    task = actions.complete_task(task, by=coordinator, outcome="Reached")
    return actions.reopen_task(task, by=manager, reason="Wrong patient")


def _status_events(task):
    return list(
        Activity.objects.filter(task=task, kind__in=(ActivityKind.CREATED, ActivityKind.STATUS_CHANGE))
        .order_by("created_at", "pk")
        .values_list("kind", "from_status", "from_status_since", "created_at")
    )


def test_each_status_change_says_when_the_status_it_left_began(patient, coordinator, manager):
    task = _lifecycle(patient, coordinator, manager)

    events = _status_events(task)
    assert [e[1] for e in events] == [
        "",
        Status.NEW,
        Status.IN_PROGRESS,
        Status.WAITING,
        Status.IN_PROGRESS,
        Status.COMPLETED,
    ]
    for previous, move in itertools.pairwise(events):
        assert move[2] == previous[3]
    assert events[0][2] is None  # a creation left no status


def test_every_row_carries_its_tasks_care_team(patient, coordinator, manager):
    task = _lifecycle(patient, coordinator, manager)
    escalation.escalate_tasks(Task.objects.filter(pk=task.pk), level=1, reason="overdue")

    teams = set(Activity.objects.filter(task=task).values_list("care_team_id", flat=True))
    assert teams == {task.care_team_id}
    assert Activity.objects.filter(task=task, kind=ActivityKind.ESCALATION).exists()


def test_the_migration_fills_in_what_the_actions_write(patient, coordinator, manager):
    task = _lifecycle(patient, coordinator, manager)
    written = _status_events(task)
    Activity.objects.update(from_status_since=None)

    with connection.cursor() as cursor:
        cursor.execute(fill.FILL_STATUS_SINCE)
        cursor.execute(fill.FILL_CARE_TEAM)

    assert _status_events(task) == written
    assert set(Activity.objects.values_list("care_team_id", flat=True)) == {task.care_team_id}
