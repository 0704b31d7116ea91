"""The row sets the dashboard counts with and the queue lists with: their windows are the
practice's days, across midnight and daylight saving changes."""

import datetime

import pytest
from django.utils import timezone

from dashboards import rowsets
from tasks import actions
from tasks.choices import Status
from tasks.models import Activity, Task
from tests.dashboards.conftest import local, set_completed_at
from tests.factories import TaskFactory


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_open_work_conditions_are_the_queryset_methods_row_for_row(known):
    """The dashboard counts the tiles as conditions over one scan of the open work; the queue lists
    with TaskQuerySet's methods. Same rows, on every day around the fixture's due dates."""
    tasks = Task.objects.all()
    for offset in range(-6, 10):
        today = known.today + datetime.timedelta(days=offset)
        pairs = {
            "overdue": (rowsets.overdue_q(today), tasks.overdue(today)),
            "due_today": (rowsets.due_today_q(today), tasks.due_today(today)),
            "upcoming": (rowsets.upcoming_q(today), tasks.upcoming(today)),
            "wait_ended": (rowsets.wait_ended_q(today), tasks.waiting_expired(today)),
        }
        for name, (condition, method) in pairs.items():
            assert ids(tasks.open().filter(condition)) == ids(method), (name, offset)


@pytest.fixture
def new_york(settings):
    settings.TIME_ZONE = "America/New_York"


def utc(day: datetime.date) -> datetime.datetime:
    return rowsets.day_start(day).astimezone(datetime.UTC)


def test_day_start_is_local_midnight_on_daylight_saving_days(new_york):
    # New York: March 9, 2025 has 23 hours, November 2, 2025 has 25.
    assert utc(datetime.date(2025, 3, 9)) == datetime.datetime(2025, 3, 9, 5, tzinfo=datetime.UTC)
    assert utc(datetime.date(2025, 3, 10)) - utc(datetime.date(2025, 3, 9)) == datetime.timedelta(hours=23)
    assert utc(datetime.date(2025, 11, 3)) - utc(datetime.date(2025, 11, 2)) == datetime.timedelta(hours=25)


@pytest.mark.parametrize(
    ("completed_utc", "due", "on_day", "timely"),
    [
        # 23:30 EDT on March 9 (spring forward that night at 2:00): still March 9, on time
        (
            datetime.datetime(2025, 3, 10, 3, 30, tzinfo=datetime.UTC),
            datetime.date(2025, 3, 9),
            "2025-03-09",
            True,
        ),
        # 00:30 EDT on March 10: a fixed UTC-5 offset would call it March 9; it is late
        (
            datetime.datetime(2025, 3, 10, 4, 30, tzinfo=datetime.UTC),
            datetime.date(2025, 3, 9),
            "2025-03-10",
            False,
        ),
        # 23:30 EST on November 2 (the 25-hour day): on its due day
        (
            datetime.datetime(2025, 11, 3, 4, 30, tzinfo=datetime.UTC),
            datetime.date(2025, 11, 2),
            "2025-11-02",
            True,
        ),
        # 00:00:00 EST on November 3 exactly: the next day
        (
            datetime.datetime(2025, 11, 3, 5, 0, tzinfo=datetime.UTC),
            datetime.date(2025, 11, 2),
            "2025-11-03",
            False,
        ),
    ],
)
def test_completed_day_and_timeliness_follow_the_practice_clock(
    new_york, patient, coordinator, completed_utc, due, on_day, timely
):
    task = TaskFactory(patient=patient, owner=coordinator, due_on=due, status=Status.COMPLETED)
    set_completed_at(task, completed_utc)
    day = datetime.date.fromisoformat(on_day)
    tasks = Task.objects.filter(pk=task.pk)

    assert ids(rowsets.completed_between(tasks, day, day)) == {task.pk}
    other = day - datetime.timedelta(days=1) if day != due else day + datetime.timedelta(days=1)
    assert ids(rowsets.completed_between(tasks, other, other)) == set()
    assert (ids(rowsets.on_time(tasks)), ids(rowsets.late(tasks))) == (
        ({task.pk}, set()) if timely else (set(), {task.pk})
    )


def test_week_starts_on_monday_whatever_the_day():
    assert rowsets.week_start(datetime.date(2025, 3, 9)) == datetime.date(2025, 3, 3)  # a Sunday
    assert rowsets.week_start(datetime.date(2025, 3, 10)) == datetime.date(2025, 3, 10)  # a Monday


def test_closed_counts_on_the_day_of_the_last_closing(patient, coordinator, manager):
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    cancelled = TaskFactory(patient=patient, owner=coordinator, status=Status.CANCELLED)
    Activity.objects.filter(task=cancelled, to_status=Status.CANCELLED).update(
        created_at=local(yesterday, 23, 59)
    )
    # Reopened and cancelled again today: it counts today, not yesterday.
    recancelled = TaskFactory(patient=patient, owner=coordinator, status=Status.CANCELLED)
    Activity.objects.filter(task=recancelled, to_status=Status.CANCELLED).update(
        created_at=local(yesterday, 9)
    )
    recancelled = actions.reopen_task(recancelled, by=manager, reason="Patient asked again")
    actions.cancel_task(recancelled, by=coordinator, reason="Duplicate after all")
    reopened = TaskFactory(patient=patient, owner=coordinator, status=Status.COMPLETED)
    actions.reopen_task(reopened, by=manager, reason="Result was for another patient")
    tasks = Task.objects.all()

    assert ids(rowsets.closed_between(tasks, yesterday, yesterday)) == {cancelled.pk}
    assert ids(rowsets.closed_between(tasks, today, today)) == {recancelled.pk}
    assert reopened.pk not in ids(rowsets.closed_between(tasks, yesterday, today))


def test_moved_on_lists_tasks_that_left_the_status_in_the_window(patient, coordinator):
    waited = TaskFactory(patient=patient, owner=coordinator, status=Status.WAITING)
    waited = actions.resume_task(waited, by=coordinator)
    fresh = TaskFactory(patient=patient, owner=coordinator)
    today = timezone.localdate()
    tasks = Task.objects.all()

    assert ids(rowsets.left_status_between(tasks, Status.NEW, today, today)) == {waited.pk}
    assert ids(rowsets.left_status_between(tasks, Status.WAITING, today, today)) == {waited.pk}
    assert fresh.pk not in ids(rowsets.left_status_between(tasks, Status.NEW, None, None))
