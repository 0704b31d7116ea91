"""Daily snapshots rebuilt from task history: the nightly job, the backfill command, and the trend
the dashboard draws from them."""

import datetime

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from dashboards import jobs, selectors, services
from dashboards.models import MetricSnapshot, SnapshotDay
from tasks import actions, rowsets
from tasks.models import Task
from tests.dashboards.conftest import local
from tests.factories import PatientFactory, TaskFactory


def at(task: Task, *instants: datetime.datetime) -> None:
    """Test-only time travel: put the task's history rows, oldest first, at `instants`."""
    rows = list(Task.history.filter(id=task.pk).order_by("history_id").values_list("history_id", flat=True))
    assert len(rows) == len(instants)
    for history_id, when in zip(rows, instants, strict=True):
        Task.history.filter(history_id=history_id).update(history_date=when)


@pytest.fixture
def history(team, other_team, manager, coordinator, colleague, outsider, patient, other_patient):
    """D = three days ago; what stood at 00:00 of D-1, D and D+1:

    | task | owner | due | history | D-1 | D | D+1 |
    |---|---|---|---|---|---|---|
    | a | C | D-1 | created D-2 10:00, completed D 15:00 | open | open, overdue | - |
    | b | C | D+5 | created at 00:00 of D exactly | - | open | open |
    | c | L | D-3 | created D-1 12:00, cancelled at 00:00 of D+1 exactly | - | open, overdue | - |
    | f | C then L | D+10 | created D-1 10:00, reassigned to L D 12:00 | - | open (C) | open (L) |
    | r | C | D | restricted patient, created D-2 | never | never | never |
    | s | outsider | D | South team, created D-2 | open | open (South) | open (South) |
    """
    d = timezone.localdate() - datetime.timedelta(days=3)

    def day(n):
        return d + datetime.timedelta(days=n)

    a = TaskFactory(patient=patient, owner=coordinator, due_on=day(-1))
    a = actions.complete_task(a, by=coordinator, outcome="Done")
    at(a, local(day(-2), 10), local(day(0), 15))
    b = TaskFactory(patient=patient, owner=coordinator, due_on=day(5))
    at(b, rowsets.day_start(day(0)))
    c = TaskFactory(patient=patient, owner=colleague, due_on=day(-3))
    c = actions.cancel_task(c, by=colleague, reason="Duplicate")
    at(c, local(day(-1), 12), rowsets.day_start(day(1)))
    f = TaskFactory(patient=patient, owner=coordinator, due_on=day(10))
    f = actions.reassign_task(f, by=manager, to=colleague, reason="Covering")
    at(f, local(day(-1), 10), local(day(0), 12))
    restricted = PatientFactory(care_team=team, is_restricted=True)
    r = TaskFactory(patient=restricted, owner=coordinator, due_on=day(0))
    at(r, local(day(-2), 9))
    s = TaskFactory(patient=other_patient, owner=outsider, due_on=day(0))
    at(s, local(day(-2), 9))
    return d


def rows(first, last) -> dict:
    return {
        (snap.day, snap.care_team.name, snap.owner.username): (snap.backlog, snap.overdue)
        for snap in MetricSnapshot.objects.filter(day__gte=first, day__lte=last).select_related(
            "care_team", "owner"
        )
    }


def test_snapshot_counts_what_stood_at_local_midnight(history):
    d, one = history, datetime.timedelta(days=1)
    result = services.take_snapshots(first=d - one, last=d + one)

    assert rows(d - one, d + one) == {
        (d - one, "North team", "coordinator"): (1, 0),  # a, due that day: not overdue yet
        (d - one, "South team", "outsider"): (1, 0),
        (d, "North team", "coordinator"): (3, 1),  # a (overdue), b (created at 00:00), f
        (d, "North team", "colleague"): (1, 1),  # c
        (d, "South team", "outsider"): (1, 0),
        (d + one, "North team", "coordinator"): (1, 0),  # b; c was cancelled at 00:00 exactly
        (d + one, "North team", "colleague"): (1, 0),  # f, reassigned during D
        (d + one, "South team", "outsider"): (1, 1),
    }
    assert result.rows == 8
    assert list(SnapshotDay.objects.values_list("day", flat=True)) == [d - one, d, d + one]


def test_taking_a_day_again_replaces_its_rows(history):
    d = history
    services.take_snapshots(first=d, last=d)
    first = rows(d, d)
    jobs.take_daily_snapshot(d.isoformat())
    services.take_snapshots(first=d, last=d)

    assert rows(d, d) == first
    assert MetricSnapshot.objects.filter(day=d).count() == 3
    assert SnapshotDay.objects.filter(day=d).count() == 1


def test_one_row_per_slice_even_without_a_program(team, coordinator):
    MetricSnapshot.objects.create(
        day=datetime.date(2025, 1, 2),
        care_team=team,
        location=team.location,
        owner=coordinator,
        backlog=2,
        overdue=1,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        MetricSnapshot.objects.create(
            day=datetime.date(2025, 1, 2),
            care_team=team,
            location=team.location,
            owner=coordinator,
            backlog=1,
            overdue=0,
        )


def test_nightly_job_snapshots_today(patient, coordinator):
    TaskFactory(patient=patient, owner=coordinator)
    # Created now, after today's 00:00: not in today's start-of-day backlog.
    assert jobs.take_daily_snapshot() == 0
    assert SnapshotDay.objects.get().day == timezone.localdate()


def test_backfill_command_rebuilds_the_last_days(history, capsys):
    call_command("backfill_snapshots", "--days", "5")

    today = timezone.localdate()
    assert list(SnapshotDay.objects.values_list("day", flat=True)) == [
        today - datetime.timedelta(days=n) for n in range(4, -1, -1)
    ]
    assert "Snapshots of 5 days" in capsys.readouterr().out


def test_trend_sums_the_slices_of_the_users_scope(history, manager, coordinator, team):
    d, one = history, datetime.timedelta(days=1)
    services.take_snapshots(first=d - one, last=d + one)
    today = timezone.localdate()

    def trend(user, scope, **extra):
        work = selectors.Slice(user=user, scope=scope, today=today, start=d - one, end=today, **extra)
        return [(p.day, p.backlog, p.overdue) for p in selectors.trend(work)]

    assert trend(manager, rowsets.Scope.TEAMS) == [(d - one, 1, 0), (d, 4, 2), (d + one, 2, 0)]
    assert trend(manager, rowsets.Scope.TEAMS, team_ids=(team.pk,)) == trend(manager, rowsets.Scope.TEAMS)
    assert trend(coordinator, rowsets.Scope.MINE) == [(d - one, 1, 0), (d, 3, 1), (d + one, 1, 0)]


def test_team_rows_sum_the_snapshots_over_owners(history):
    """The trend of a manager's teams reads TeamSnapshot: the snapshots summed over owners,
    replaced with them when a day is taken again."""
    from django.db.models import Sum

    from dashboards.models import TeamSnapshot

    first, last = history - datetime.timedelta(days=3), history
    services.take_snapshots(first=first, last=last)
    services.take_snapshots(first=first, last=last)
    keys = ("day", "care_team_id", "location_id", "program_id")

    def summed(model):
        rows = model.objects.values(*keys).annotate(b=Sum("backlog"), o=Sum("overdue")).order_by()
        return sorted((tuple(r[k] for k in keys), r["b"], r["o"]) for r in rows)

    assert summed(TeamSnapshot) == summed(MetricSnapshot)
    assert TeamSnapshot.objects.count() == len(summed(MetricSnapshot)) > 0
