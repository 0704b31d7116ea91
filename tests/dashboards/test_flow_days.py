"""The flow figures of closed days read from their daily rows (dashboards.flow_days) equal the
same figures counted from the tasks and the timeline, for every slice and viewer; today is
counted live; a day not taken sends the page back to counting everything; a change after the
closing day shows after the next rebuild; days are cut at practice-local midnight."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.roles import Role
from dashboards import flow_days
from dashboards import jobs as dashboard_jobs
from dashboards.models import FlowDay, FlowDayTaken, FlowExit
from tasks import actions
from tasks.choices import ActivityKind, Status, TaskKind
from tasks.models import Activity, Task
from tasks.rowsets import day_start
from tests.dashboards.conftest import local
from tests.dashboards.test_drilldown import figures, queue_count
from tests.factories import PatientFactory, TaskFactory, UserFactory, member

H = datetime.timedelta(hours=1)
BACK = 40  # days of history, and of rows


@pytest.fixture
def director(team, other_team):
    user = member(Role.MANAGER, team, username="director")
    assign_perm("accounts.manage_careteam", user, other_team)
    assign_perm("accounts.work_in_careteam", user, other_team)
    return user


@pytest.fixture
def desk_manager(team):
    """Manages the team without the clinical right: sees scheduling and outreach, and their own."""
    user = UserFactory(roles=[Role.FRONT_DESK], works_in=team, manages=team, username="deskmanager")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_dashboard", "view_team_dashboard"])
    )
    return user


def _event(task, kind, when, **fields):
    return Activity(
        task=task, patient=task.patient, care_team=task.care_team, kind=kind, created_at=when, **fields
    )


@pytest.fixture
def history(known, team, coordinator, colleague, outsider):
    """Forty tasks closed over the last 12 days (and today) across the North team's patients
    (with and without the program, at two locations, one restricted) and a South patient, with
    reassignments, reschedules, and moves out of open statuses, some twice from the same status
    on different days; closings at the edges of local days, across the daylight saving change
    of the period when there is one."""
    today = known.today
    t = known.tasks
    restricted = PatientFactory(care_team=team, is_restricted=True)
    patients = [
        (t["a"].patient, t["a"].care_plan),
        (t["d"].patient, None),
        (restricted, None),
        (t["o"].patient, None),
    ]
    kinds = [TaskKind.OUTREACH_CALL, TaskKind.LAB, TaskKind.SCHEDULING]
    events = []
    for i in range(40):
        patient, plan = patients[i % 4]
        owner = outsider if patient == t["o"].patient else (coordinator, colleague)[i % 2]
        ago = i % 13
        day = today - datetime.timedelta(days=ago)
        status = Status.CANCELLED if i % 5 == 0 else Status.COMPLETED
        task = TaskFactory(
            patient=patient,
            owner=owner,
            care_plan=plan,
            kind=kinds[i % 3],
            due_on=day + datetime.timedelta(days=(i % 3) - 1),
            status=status,
        )
        # Edges of the day: its first instant, its last, and hours between.
        closed_at = {
            0: day_start(day),
            1: day_start(day + datetime.timedelta(days=1)) - datetime.timedelta(microseconds=1),
        }.get(i % 7, local(day, 1 + i % 20, i % 60))
        if ago == 0:
            closed_at = min(closed_at, local(today, 0, 1))  # today, and not in the future
        if status == Status.COMPLETED:
            Task.objects.filter(pk=task.pk).update(completed_at=closed_at)
        else:
            Activity.objects.filter(task=task, to_status=Status.CANCELLED).update(created_at=closed_at)
        for n in range(i % 3):
            events.append(_event(task, ActivityKind.REASSIGNMENT, closed_at - (n + 1) * H))
        if i % 4 == 1:
            events.append(_event(task, ActivityKind.RESCHEDULE, closed_at - 2 * H))
        # Moves out of New and In progress: minutes to days, a few twice from the same status.
        Activity.objects.filter(task=task, kind=ActivityKind.STATUS_CHANGE).delete()
        spent = datetime.timedelta(minutes=7 ** (i % 6))
        left = closed_at - H
        events.append(
            _event(
                task,
                ActivityKind.STATUS_CHANGE,
                left,
                from_status=Status.NEW,
                to_status=Status.IN_PROGRESS,
                from_status_since=left - spent,
            )
        )
        if i % 6 == 0:
            earlier = left - datetime.timedelta(days=2)
            events.append(
                _event(
                    task,
                    ActivityKind.STATUS_CHANGE,
                    earlier,
                    from_status=Status.NEW,
                    to_status=Status.IN_PROGRESS,
                    from_status_since=earlier - 3 * H,
                )
            )
        events.append(
            _event(
                task,
                ActivityKind.STATUS_CHANGE,
                closed_at,
                from_status=Status.IN_PROGRESS,
                to_status=status,
                from_status_since=left if i % 9 else None,
            )
        )
    Activity.objects.bulk_create(events)
    return known


def board_of(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("dashboard"), {k: v for k, v in params.items() if v is not None})
    assert response.status_code == 200
    return response.context["board"]


def flow(board) -> dict:
    """The flow figures, exactly; median and p90 apart (within 5% from the rows)."""
    return {
        "completion": board.completion,
        "reassignment": board.reassignment,
        "week": board.completed_week,
        "status": [(r.label, r.tasks, r.exits) for r in board.time_in_status],
    }


def assert_close(live, rows):
    for a, b in zip(live.time_in_status, rows.time_in_status, strict=True):
        for x, y in ((a.median, b.median), (a.p90, b.p90)):
            assert (x is None) == (y is None)
            if x is not None:
                assert abs(y - x) <= x * 0.05 + datetime.timedelta(seconds=1), (a.label, x, y)


def build(today, until=None):
    """Rows up to yesterday's end, or (`until`) up to that instant today, as the job builds them."""
    first = today - datetime.timedelta(days=BACK)
    if until is None:
        return flow_days.rebuild(first=first, last=today - datetime.timedelta(days=1))
    return flow_days.rebuild(first=first, last=today, until=until)


def slices(known):
    today = known.today
    yield {}
    yield {"care_team": known.tasks["a"].care_team_id}
    yield {"location": known.other_location.pk}
    yield {"location": known.team_location.pk}
    yield {"program": known.program.pk}
    yield {"start": today - datetime.timedelta(days=BACK)}  # across a daylight saving change if any
    yield {"start": today - datetime.timedelta(days=20), "end": today - datetime.timedelta(days=3)}
    yield {"start": today - datetime.timedelta(days=2), "end": today - datetime.timedelta(days=1)}


@pytest.mark.parametrize("viewer", ["director", "manager", "granted", "desk_manager"])
def test_the_rows_give_the_figures_counted_live(client, request, history, viewer, coordinator, colleague):
    """Rows built up to a moment today, then work done after it (counted live on top of them):
    every figure as when the whole period is counted from the tasks."""
    if viewer == "granted":
        user = request.getfixturevalue("director")
        restricted = Task.objects.filter(patient__is_restricted=True).first().patient
        assign_perm("careplans.view_patient", user, restricted)
    else:
        user = request.getfixturevalue(viewer)
    build(history.today, until=timezone.now())
    t = history.tasks
    actions.complete_task(Task.objects.get(pk=t["c"].pk), by=coordinator, outcome="Done after the rebuild")
    actions.cancel_task(Task.objects.get(pk=t["d"].pk), by=colleague, reason="Not needed")
    actions.start_task(Task.objects.get(pk=t["a"].pk), by=coordinator)

    with_rows = [board_of(client, user, **params) for params in slices(history)]
    assert all(b.slice.flow_coverage is not None for b in with_rows)
    FlowDayTaken.objects.all().delete()
    for params, rows in zip(slices(history), with_rows, strict=True):
        live = board_of(client, user, **params)
        assert live.slice.flow_coverage is None
        assert flow(rows) == flow(live), params
        assert_close(live, rows)
    assert sum(r.completed.value for r in with_rows[0].completion) > 0


def test_the_figures_from_rows_equal_their_queue_links(client, history, director):
    build(history.today)
    board = board_of(client, director)
    assert board.slice.flow_coverage is not None
    for name, figure in figures(board):
        assert figure.value == queue_count(client, figure.url), name


def test_a_task_reopened_after_its_closing_day_moves_at_the_next_rebuild(client, history, director, manager):
    today = history.today
    build(today)
    before = board_of(client, director)
    done = Task.objects.filter(
        status=Status.COMPLETED, completed_at__lt=day_start(today), patient__is_restricted=False
    ).first()
    actions.reopen_task(done, by=manager, reason="Not done after all")

    stale = board_of(client, director)  # the rows still say how it stood at the rebuild
    assert flow(stale)["completion"] == flow(before)["completion"]
    dashboard_jobs.maintain_flow_days()
    after = board_of(client, director)
    assert (
        sum(r.completed.value for r in after.completion)
        == sum(r.completed.value for r in before.completion) - 1
    )
    FlowDayTaken.objects.all().delete()
    assert flow(board_of(client, director)) == flow(after)


def test_the_job_is_idempotent(history):
    def rows():
        return (
            sorted(
                FlowDay.objects.values_list(*[f.name for f in FlowDay._meta.fields if f.name != "id"]),
                key=str,
            ),
            sorted(
                FlowExit.objects.values_list(*[f.name for f in FlowExit._meta.fields if f.name != "id"]),
                key=str,
            ),
            sorted(FlowDayTaken.objects.values_list("day", "whole")),
        )

    dashboard_jobs.maintain_flow_days()
    first = rows()
    dashboard_jobs.maintain_flow_days()
    assert rows() == first
    assert len(first[2]) == flow_days.REBUILD_DAYS + 1
    assert first[2][-1] == (history.today, False)  # today, up to the run
    assert all(whole for _, whole in first[2][:-1])


def test_a_day_not_taken_sends_the_whole_period_to_the_live_count(client, history, director):
    build(history.today)
    with_rows = board_of(client, director)
    FlowDayTaken.objects.filter(day=history.today - datetime.timedelta(days=5)).delete()
    FlowDay.objects.all().update(closed=999)  # whatever the rows say, they are not read
    live = board_of(client, director)
    assert live.slice.flow_coverage is None
    assert flow(live) == flow(with_rows)


def test_a_day_not_begun_is_never_built(history):
    with pytest.raises(ValueError):
        flow_days.rebuild(first=history.today, last=history.today + datetime.timedelta(days=1))


def test_a_partial_day_before_the_last_sends_the_page_to_the_live_count(client, history, director):
    """Yesterday built up to an instant (the job stopped then), today built whole after: the
    rows would miss yesterday's end, so the page counts the period live."""
    today = history.today
    build(today, until=timezone.now())
    FlowDayTaken.objects.filter(day=today - datetime.timedelta(days=1)).update(whole=False)
    assert board_of(client, director).slice.flow_coverage is None


def test_a_day_is_cut_at_local_midnight(history, coordinator):
    """A completion at the last instant of a local day counts on that day; at the first instant
    of the next, on the next (whatever the database's time zone)."""
    today = history.today
    day = today - datetime.timedelta(days=3)
    FlowDay.objects.all().delete()
    patient = history.tasks["d"].patient
    late = TaskFactory(patient=patient, owner=coordinator, due_on=day, status=Status.COMPLETED)
    early = TaskFactory(patient=patient, owner=coordinator, due_on=day, status=Status.COMPLETED)
    start = day_start(day + datetime.timedelta(days=1))
    Task.objects.filter(pk=late.pk).update(completed_at=start - datetime.timedelta(microseconds=1))
    Task.objects.filter(pk=early.pk).update(completed_at=start)
    Task.objects.exclude(pk__in=[late.pk, early.pk]).update(status=Status.NEW, completed_at=None)
    Activity.objects.filter(to_status=Status.CANCELLED).delete()
    flow_days.rebuild(first=day, last=day + datetime.timedelta(days=1))

    by_day = {
        d: (on_time, late_n) for d, on_time, late_n in FlowDay.objects.values_list("day", "on_time", "late")
    }
    assert by_day == {day: (1, 0), day + datetime.timedelta(days=1): (0, 1)}


def test_the_dashboard_costs_the_same_queries_with_the_rows(client, history, director):
    from tests.helpers import count_queries

    client.force_login(director)
    live = count_queries(client, reverse("dashboard"))
    build(history.today)
    assert count_queries(client, reverse("dashboard")) == live


def test_percentiles_from_buckets_are_within_five_percent():
    samples = [datetime.timedelta(seconds=s) for s in (5, 60, 61, 3600, 7200, 86400, 86400 * 9, 400000)]
    histogram: dict[int, int] = {}
    for s in samples:
        histogram[flow_days.bucket_of(s)] = histogram.get(flow_days.bucket_of(s), 0) + 1
    from dashboards.aggregates import percentile_cont

    for fraction in (0.5, 0.9):
        exact = percentile_cont(sorted(samples), fraction)
        assert abs(flow_days.percentile(histogram, fraction) - exact) <= exact * 0.05


def test_the_daylight_saving_day_is_cut_at_local_midnight(client, settings, director, patient, coordinator):
    """New York, 1 November 2026 has 25 hours: closings at 00:30 (EDT) and 23:30 (EST) count on
    it, 00:30 the next day on the 2nd, from the rows as counted live."""
    import time_machine

    settings.TIME_ZONE = "America/New_York"
    nov = datetime.date(2026, 11, 1)
    with time_machine.travel(datetime.datetime(2026, 11, 5, 17, tzinfo=datetime.UTC), tick=False):
        times = [local(nov, 0, 30), local(nov, 23, 30), local(nov + datetime.timedelta(days=1), 0, 30)]
        for when in times:
            task = TaskFactory(patient=patient, owner=coordinator, due_on=nov, status=Status.COMPLETED)
            Task.objects.filter(pk=task.pk).update(completed_at=when)
            Activity.objects.filter(task=task, kind=ActivityKind.STATUS_CHANGE).update(
                created_at=when, from_status_since=when - 5 * H
            )
        params = {"start": nov - datetime.timedelta(days=2)}
        live = board_of(client, director, **params)
        flow_days.rebuild(first=nov - datetime.timedelta(days=3), last=datetime.date(2026, 11, 4))
        rows = board_of(client, director, **params)

        assert rows.slice.flow_coverage is not None
        assert flow(rows) == flow(live)
        assert_close(live, rows)
        by_day = dict(FlowDay.objects.values_list("day", "on_time"))
        assert by_day == {nov: 2, nov + datetime.timedelta(days=1): 0}
        assert dict(FlowDay.objects.values_list("day", "late")) == {
            nov: 0,
            nov + datetime.timedelta(days=1): 1,
        }


def test_the_page_says_where_the_flow_figures_come_from(client, history, director):
    client.force_login(director)
    assert "Flow figures from daily rows up to" not in client.get(reverse("dashboard")).text
    build(history.today)
    page = client.get(reverse("dashboard")).text
    assert "Flow figures from daily rows up to" in page and "live since" in page
    assert "median and 90th percentile to within 5%" in page
