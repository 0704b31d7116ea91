"""Every figure of the dashboard against the value counted by hand on the `known` rows (see
tests/dashboards/conftest.py for the table they are counted from)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from dashboards import selectors
from dashboards.counts import count_figures
from tasks import actions, rowsets
from tests.factories import TaskFactory, in_days


def board_for(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("dashboard"), params)
    assert response.status_code == 200
    return response.context["board"]


def tile_values(board) -> dict[str, int]:
    return {tile.key: tile.figure.value for tile in board.tiles}


def table(board, key) -> dict[str, tuple[int, int]]:
    breakdown = next(b for b in board.breakdowns if b.key == key)
    return {row.label: (row.open.value, row.overdue.value) for row in breakdown.rows}


def test_tiles_count_the_managed_teams_open_work_as_of_today(client, manager, known):
    board = board_for(client, manager)

    # overdue a, b, k; due today c; next 7 days d, e (T+7), g; wait ended g; open a b c k d e f g
    assert tile_values(board) == {"overdue": 3, "due_today": 1, "upcoming": 3, "wait_ended": 1, "open": 8}
    # on time: h (due T), j (T 23:59:59.999999, its due day), m; late: i, l (T 00:00, due T-1)
    assert (board.completed_week.on_time.value, board.completed_week.late.value) == (3, 2)


def test_open_work_by_owner_program_risk_location_and_type(client, manager, coordinator, colleague, known):
    board = board_for(client, manager)

    assert table(board, "owners") == {str(coordinator): (5, 3), str(colleague): (3, 0)}
    assert table(board, "programs") == {"Diabetes": (4, 3), "No program (ad hoc)": (4, 0)}
    assert table(board, "risk") == {"High": (4, 3), "Low": (4, 0)}
    assert table(board, "locations") == {known.team_location.name: (4, 3), "Hillside Clinic": (4, 0)}
    assert table(board, "kinds") == {
        "Lab": (2, 2),
        "Outreach call": (4, 1),
        "Check-in": (1, 0),
        "Scheduling": (1, 0),
    }


def test_completion_by_type_splits_on_time_and_late_at_the_due_day(client, manager, known):
    board = board_for(client, manager)

    rows = {r.label: (r.completed.value, r.on_time.value, r.late.value) for r in board.completion}
    # lab: h on time, i late; check-in: j on its due day (on time), l the instant after (late)
    assert rows == {"Lab": (2, 1, 1), "Check-in": (2, 1, 1), "Outreach call": (1, 1, 0)}


def test_reassignment_rate_counts_each_reassignment_per_closed_task(
    client, manager, coordinator, colleague, known
):
    board = board_for(client, manager)

    teams = {
        r.label: (r.closed.value, r.reassigned.value, r.reassignments) for r in board.reassignment["teams"]
    }
    owners = {
        r.label: (r.closed.value, r.reassigned.value, r.reassignments) for r in board.reassignment["owners"]
    }
    # closed: h i j l m (completed) and n (cancelled); k was reopened, so it is open again.
    # m was reassigned twice and closed by the coordinator: 2 reassignments, 1 reassigned task.
    assert teams == {"North team": (6, 1, 2)}
    assert owners == {str(coordinator): (3, 1, 2), str(colleague): (3, 0, 0)}
    assert board.reassignment["teams"][0].rate == pytest.approx(2 / 6)


def test_reschedules_count_due_dates_moved_later_beside_reassignments(
    client, manager, coordinator, colleague, known
):
    # m (closed by the coordinator) was not rescheduled; one more task of the coordinator's is
    # moved later twice and earlier once, then completed; one of the colleague's, moved later,
    # stays open (only closed tasks are counted, as for reassignments).
    patient = known.tasks["m"].patient
    moved = TaskFactory(patient=patient, owner=coordinator, due_on=in_days(5))
    moved = actions.change_task(moved, by=coordinator, due_on=in_days(9), reason="Patient away")
    moved = actions.change_task(moved, by=manager, due_on=in_days(12), reason="Clinic closed")
    moved = actions.change_task(moved, by=coordinator, due_on=in_days(8), reason="Earlier slot")
    actions.complete_task(moved, by=coordinator, outcome="Reached")
    still_open = TaskFactory(patient=patient, owner=colleague, due_on=in_days(5))
    actions.change_task(still_open, by=colleague, due_on=in_days(9), reason="Patient away")

    board = board_for(client, manager)

    owners = {r.label: (r.closed.value, r.reassignments, r.reschedules) for r in board.reassignment["owners"]}
    assert owners == {str(coordinator): (4, 2, 2), str(colleague): (3, 0, 0)}
    assert [(r.closed.value, r.reschedules) for r in board.reassignment["teams"]] == [(7, 2)]
    export = client.get(reverse("dashboard_export"), {"table": "reassignment-owners"}).text
    assert export.splitlines()[0].endswith(",Reschedules,Period")


def test_filters_narrow_every_figure(client, manager, known):
    board = board_for(client, manager, location=known.other_location.pk)

    # Hillside: d e f g open (g overdue? no: due T+3); l m n closed
    assert tile_values(board) == {"overdue": 0, "due_today": 0, "upcoming": 3, "wait_ended": 1, "open": 4}
    assert {r.label: r.closed.value for r in board.reassignment["teams"]} == {"North team": 3}

    board = board_for(client, manager, program=known.program.pk)
    assert tile_values(board)["open"] == 4
    assert {r.label: r.completed.value for r in board.completion} == {"Lab": 2, "Check-in": 1}


def test_period_bounds_the_flow_figures(client, manager, known):
    yesterday = known.today - datetime.timedelta(days=1)
    board = board_for(
        client,
        manager,
        start=(known.today - datetime.timedelta(days=30)).isoformat(),
        end=yesterday.isoformat(),
    )

    # Everything closed today is outside a period that ends yesterday; the open work is not.
    assert board.completion == []
    assert board.reassignment["teams"] == []
    assert tile_values(board)["open"] == 8


def test_provider_sees_their_patients_tasks_and_coordinator_their_own(client, provider, coordinator, known):
    board = board_for(client, provider)
    assert tile_values(board) == {"overdue": 3, "due_today": 1, "upcoming": 0, "wait_ended": 0, "open": 4}
    assert (board.completed_week.on_time.value, board.completed_week.late.value) == (2, 1)  # h j; i
    assert board.trend is None

    board = board_for(client, coordinator)
    assert tile_values(board) == {"overdue": 3, "due_today": 1, "upcoming": 1, "wait_ended": 1, "open": 5}
    assert {r.label for r in board.breakdowns[0].rows} == {str(coordinator)}


def test_manager_sees_only_the_teams_they_manage(client, manager, other_manager, known, other_team):
    # The manager also works in the South team, but manages only North: South stays out.
    from guardian.shortcuts import assign_perm

    assign_perm("accounts.work_in_careteam", manager, other_team)
    board = board_for(client, manager)
    assert tile_values(board)["open"] == 8
    assert {r.label for r in board.reassignment["teams"]} == {"North team"}

    board = board_for(client, other_manager)
    # South: o overdue and open; p completed now, late (due T-1)
    assert tile_values(board) == {"overdue": 1, "due_today": 0, "upcoming": 0, "wait_ended": 0, "open": 1}
    assert (board.completed_week.on_time.value, board.completed_week.late.value) == (0, 1)


def test_manager_of_no_team_sees_an_empty_dashboard(client, known):
    from accounts.roles import Role
    from tests.factories import member

    newcomer = member(Role.MANAGER, known.tasks["a"].care_team, manages=None)
    board = board_for(client, newcomer)

    assert tile_values(board) == {"overdue": 0, "due_today": 0, "upcoming": 0, "wait_ended": 0, "open": 0}
    assert board.breakdowns[0].rows == [] and board.trend == []


def test_a_care_team_outside_the_scope_is_not_a_choice(client, manager, known, other_team):
    client.force_login(manager)
    response = client.get(reverse("dashboard"), {"care_team": other_team.pk})

    assert "care_team" in response.context["form"].errors
    assert tile_values(response.context["board"])["open"] == 8  # the invalid filter is left out


def test_owner_far_above_the_average_load_is_highlighted(
    client, manager, coordinator, colleague, medical_assistant, patient
):
    for n in range(10):
        TaskFactory(patient=patient, owner=coordinator, due_on=in_days(n + 1))
    TaskFactory(patient=patient, owner=colleague)
    owners = next(b for b in board_for(client, manager).breakdowns if b.key == "owners")
    # Two owners: "above the average" would only say who has more; nothing is highlighted.
    assert not any(r.highlight for r in owners.rows)

    TaskFactory(patient=patient, owner=medical_assistant)
    owners = next(b for b in board_for(client, manager).breakdowns if b.key == "owners")
    # average 4 open, threshold 6: the coordinator's 10 is over it
    assert {r.label: r.highlight for r in owners.rows} == {
        str(coordinator): True,
        str(colleague): False,
        str(medical_assistant): False,
    }
    assert owners.rows[0].overdue_share == 0


# ---- today and this week at the edges of a day, across daylight saving --------------------------


@pytest.mark.parametrize(
    ("now", "due_today", "overdue"),
    [
        # 23:59:59.999999 on March 8, 2025 (EST): a task due March 8 is still due today
        (datetime.datetime(2025, 3, 9, 4, 59, 59, 999999, tzinfo=datetime.UTC), 1, 0),
        # 00:00 on March 9 (EST, the day clocks spring forward): now it is overdue
        (datetime.datetime(2025, 3, 9, 5, 0, tzinfo=datetime.UTC), 0, 1),
    ],
)
def test_due_today_turns_overdue_at_local_midnight(manager, patient, coordinator, now, due_today, overdue):
    from django.test import override_settings
    from django.utils import timezone

    with time_machine.travel(now, tick=False):  # made that day: a due date years ago is refused
        TaskFactory(patient=patient, owner=coordinator, due_on=datetime.date(2025, 3, 8))
    with override_settings(TIME_ZONE="America/New_York"):
        today = timezone.localtime(now).date()
        work = selectors.Slice(user=manager, scope=rowsets.Scope.TEAMS, today=today, start=today, end=today)
        counts = count_figures(work)
    assert (counts.total("due_today"), counts.total("overdue")) == (due_today, overdue)
