"""The row sets the dashboard counts with and the queue lists with: their windows are the
practice's days, across midnight and daylight saving changes."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from tasks import actions, rowsets
from tasks.choices import Status
from tasks.models import Activity, Task
from tests.dashboards.conftest import local, set_completed_at
from tests.factories import TaskFactory


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.fixture
def spread(patient, coordinator, today):
    """One task per (due offset, status): New, In progress, Waiting (wait ended or not),
    Completed and Cancelled, due from 2 days ago to 8 days on."""
    rows = {}
    for offset in (-2, -1, 0, 1, 7, 8):
        due = today + datetime.timedelta(days=offset)
        for status in Status.values:
            pk = TaskFactory(patient=patient, owner=coordinator, status=status, due_on=due).pk
            if status == Status.WAITING:  # the wait ends (ended) on the due date
                Task.objects.filter(pk=pk).update(waiting_until=due)
            rows[(offset, status)] = pk
    return rows


def test_windows_hold_open_work_only_and_split_it_by_due_date(spread, today):
    tasks = Task.objects.all()
    open_ = {Status.NEW, Status.IN_PROGRESS, Status.WAITING}

    def expected(offsets, statuses=open_):
        return {pk for (offset, status), pk in spread.items() if offset in offsets and status in statuses}

    assert ids(tasks.filter(rowsets.overdue_q(today))) == expected({-2, -1})
    assert ids(tasks.filter(rowsets.due_today_q(today))) == expected({0})
    assert ids(tasks.filter(rowsets.upcoming_q(today))) == expected({1, 7})
    assert ids(tasks.filter(rowsets.later_q(today))) == expected({8})
    assert ids(tasks.filter(rowsets.wait_ended_q(today))) == expected({-2, -1}, {Status.WAITING})


def test_my_work_sections_partition_open_work(spread, today):
    """Each open task is in exactly one section; closed ones in none."""
    tasks = Task.objects.all()
    seen = [pk for section in rowsets.MY_WORK_SECTIONS.values() for pk in ids(tasks.filter(section(today)))]
    assert len(seen) == len(set(seen))
    assert set(seen) == ids(tasks.open())


def test_due_flags_are_the_windows(spread, today):
    rows = rowsets.with_due_flags(Task.objects.all(), today)
    assert {t.pk for t in rows if t.is_overdue} == ids(Task.objects.filter(rowsets.overdue_q(today)))
    assert {t.pk for t in rows if t.is_wait_ended} == ids(Task.objects.filter(rowsets.wait_ended_q(today)))
    closed = rows.filter(status__in=(Status.COMPLETED, Status.CANCELLED))
    assert closed.exists()
    assert not any(t.is_overdue for t in closed)


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
    with time_machine.travel(
        completed_utc, tick=False
    ):  # made then: a due date more than a year ago is refused
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
