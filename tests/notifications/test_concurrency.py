"""Two runs of a job at once (two beats, a retry racing the original) against PostgreSQL, each
on its own database connection. The first holds its transaction open after doing its work, so
the second runs while the first's rows are uncommitted: the moment a pre-check cannot see them
and only the unique key or the row lock stops a second notice."""

import datetime

import pytest

from notifications import actions
from notifications.models import Kind, Notification
from tasks import recurrence
from tasks.choices import ActivityKind, TaskKind
from tasks.models import Activity, Task
from tests.factories import PatientFactory, TaskFactory
from tests.helpers import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # SQLite runs one writer at a time: the race needs PostgreSQL.
    pytest.mark.usefixtures("postgresql", "seeded"),
]


@pytest.fixture
def overdue_work(team, coordinator, colleague, manager, today):
    tasks = []
    for i in range(40):
        patient = PatientFactory(care_team=team)
        owner = coordinator if i % 2 else colleague
        tasks.append(TaskFactory(patient=patient, owner=owner, due_on=today - datetime.timedelta(days=5)))
    return tasks


def test_concurrent_overdue_sweeps_make_one_notice_per_key(overdue_work):
    today = overdue_work[0].due_on + datetime.timedelta(days=5)

    first, second = race(lambda _: actions.notify_overdue(today=today))

    assert (len(first), second) == (40, [])
    assert Notification.objects.filter(kind=Kind.OVERDUE).count() == 40


def test_concurrent_escalations_raise_each_task_once(overdue_work, manager):
    today = overdue_work[0].due_on + datetime.timedelta(days=5)

    first, second = race(lambda _: actions.escalate_overdue(today=today))

    assert (len(first), second) == (40, [])
    assert Notification.objects.filter(kind=Kind.ESCALATION, recipient=manager).count() == 40
    assert Activity.objects.filter(kind=ActivityKind.ESCALATION).count() == 40
    assert set(Task.objects.values_list("escalation_level", flat=True)) == {1}


def test_concurrent_recurrence_makes_one_next_occurrence(patient, coordinator, today):
    series = [
        TaskFactory(
            patient=patient, owner=coordinator, kind=TaskKind.CHECK_IN, due_on=today, recurrence_days=7
        )
        for _ in range(10)
    ]

    first, second = race(lambda _: recurrence.create_due_occurrences(today=today))

    assert (first, second) == (10, 0)
    for task in series:
        assert Task.objects.filter(previous_occurrence=task).count() == 1
