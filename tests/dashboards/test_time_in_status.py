"""Time in status from the timeline: median and 90th percentile per open status, by PostgreSQL's
percentile_cont and by the Python fallback, against values worked out by hand."""

import datetime

import pytest
from django.utils import timezone

from dashboards import selectors
from dashboards.aggregates import percentile_cont
from tasks import actions, rowsets
from tasks.choices import ActivityKind, WaitingReason
from tasks.models import Activity
from tests.factories import TaskFactory

H = datetime.timedelta(hours=1)


def replay(task, times: list[datetime.datetime]) -> None:
    """Test-only time travel: put the task's timeline events, in order, at `times`, each status
    change saying since when its task was in the status it left, as the actions write it."""
    events = list(Activity.objects.filter(task=task).order_by("pk").values_list("pk", "kind"))
    assert len(events) == len(times)
    entered = None
    for (pk, kind), when in zip(events, times, strict=True):
        Activity.objects.filter(pk=pk).update(created_at=when, from_status_since=entered)
        if kind in (ActivityKind.CREATED, ActivityKind.STATUS_CHANGE):
            entered = when


@pytest.fixture
def timeline(team, other_team, manager, coordinator, patient, other_patient, outsider):
    """Three tasks of the team (and one of another team, never counted), t0 ten days ago:

    x: created t0, started +24h, waiting +72h, resumed +144h, completed +168h
       → New 24h; In progress 48h and 24h; Waiting 72h
    y: created t0+96h, started +108h, completed +120h → New 12h; In progress 12h
    z: created t0+168h, cancelled +216h → New 48h
    New [12, 24, 48] and In progress [12, 24, 48]: median 24h, p90 24 + 0.8 * 24 = 43.2h.
    """
    t0 = timezone.now().replace(microsecond=0) - datetime.timedelta(days=10)
    until = timezone.localdate() + datetime.timedelta(days=3)

    x = TaskFactory(patient=patient, owner=coordinator)
    x = actions.start_task(x, by=coordinator)
    x = actions.wait_task(x, by=coordinator, reason=WaitingReason.LAB_RESULT, until=until)
    x = actions.resume_task(x, by=coordinator)
    actions.complete_task(x, by=coordinator, outcome="Result reviewed")
    replay(x, [t0, t0 + 24 * H, t0 + 72 * H, t0 + 144 * H, t0 + 168 * H])

    y = TaskFactory(patient=patient, owner=coordinator)
    y = actions.start_task(y, by=coordinator)
    actions.complete_task(y, by=coordinator, outcome="Booked")
    replay(y, [t0 + 96 * H, t0 + 108 * H, t0 + 120 * H])

    z = TaskFactory(patient=patient, owner=coordinator)
    actions.cancel_task(z, by=coordinator, reason="Duplicate")
    replay(z, [t0 + 168 * H, t0 + 216 * H])

    foreign = TaskFactory(patient=other_patient, owner=outsider)
    actions.start_task(foreign, by=outsider)
    replay(foreign, [t0, t0 + 1000 * H])
    return t0


def stats(manager, t0, *, in_database):
    today = timezone.localdate()
    work = selectors.Slice(
        user=manager,
        scope=rowsets.Scope.TEAMS,
        today=today,
        start=timezone.localtime(t0).date(),
        end=today,
    )
    return {
        row.label: (row.tasks.value, row.exits, row.median, row.p90)
        for row in selectors.time_in_status(work, in_database=in_database)
    }


EXPECTED = {
    "New": (3, 3, 24 * H, 43.2 * H),
    "In progress": (2, 3, 24 * H, 43.2 * H),  # x twice (48h, 24h), y once (12h)
    "Waiting": (1, 1, 72 * H, 72 * H),
}


def test_python_fallback_matches_the_hand_computed_percentiles(manager, timeline):
    assert stats(manager, timeline, in_database=False) == EXPECTED


@pytest.mark.usefixtures("postgresql")  # percentile_cont is PostgreSQL's
def test_postgresql_percentile_cont_matches_the_hand_computed_percentiles(manager, timeline):
    assert stats(manager, timeline, in_database=True) == EXPECTED


def test_a_period_after_the_moves_has_no_sample(manager, timeline):
    today = timezone.localdate()
    work = selectors.Slice(user=manager, scope=rowsets.Scope.TEAMS, today=today, start=today, end=today)

    rows = selectors.time_in_status(work)
    assert [(r.tasks.value, r.median) for r in rows] == [(0, None)] * 3


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [([], 0.5, None), ([5], 0.9, 5), ([1, 3], 0.5, 2), ([10, 20, 30, 40], 0.9, 37)],
)
def test_percentile_cont_interpolates_like_postgresql(values, fraction, expected):
    result = percentile_cont([v * H for v in values], fraction)

    assert result == (None if expected is None else expected * H)
