"""Two runs of a job at once (two beats, a retry racing the original) against PostgreSQL, each
on its own database connection. The first holds its transaction open after doing its work, so
the second runs while the first's rows are uncommitted: the moment a pre-check cannot see them
and only the unique key or the row lock stops a second notice."""

import datetime
import threading
import time

import pytest
from django.db import connection, transaction

from notifications import actions
from notifications.models import Kind, Notification
from tasks import recurrence
from tasks.choices import ActivityKind, TaskKind
from tasks.models import Activity, Task
from tests.factories import PatientFactory, TaskFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # SQLite runs one writer at a time: the race needs PostgreSQL.
    pytest.mark.usefixtures("postgresql", "seeded"),
]


def _race(job):
    """Run `job` in two threads: the first commits only after the second has started."""
    started = threading.Barrier(2, timeout=10)
    results, errors = {}, []

    def first():
        try:
            with transaction.atomic():
                results["first"] = job()
                started.wait()
                time.sleep(0.5)  # the second is now running against our uncommitted rows
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    def second():
        try:
            started.wait()
            results["second"] = job()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    return results["first"], results["second"]


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

    first, second = _race(lambda: actions.notify_overdue(today=today))

    assert (len(first), second) == (40, [])
    assert Notification.objects.filter(kind=Kind.OVERDUE).count() == 40


def test_concurrent_escalations_raise_each_task_once(overdue_work, manager):
    today = overdue_work[0].due_on + datetime.timedelta(days=5)

    first, second = _race(lambda: actions.escalate_overdue(today=today))

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

    first, second = _race(lambda: recurrence.create_due_occurrences(today=today))

    assert (first, second) == (10, 0)
    for task in series:
        assert Task.objects.filter(previous_occurrence=task).count() == 1
