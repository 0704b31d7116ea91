"""The dashboard page and its CSV export: who may open them, what they cost, what they say."""

import csv
import datetime
import io
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from dashboards import services
from dashboards.forms import DEFAULT_DAYS
from dashboards.models import MetricSnapshot, SnapshotDay
from tasks.choices import ActivityKind, Status, TaskKind
from tasks.models import Activity, Task
from tasks.rowsets import day_start
from tests.factories import CarePlanFactory, PatientFactory, ProgramFactory, member
from tests.helpers import count_queries, inline_code


def test_manager_opens_the_dashboard_of_the_teams_they_manage(client, manager, known):
    client.force_login(manager)
    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert response.context["scope_label"] == "Teams I manage"
    body = response.content.decode()
    # The chart numbers travel as a JSON data block, which the browser never executes; nothing on
    # the page needs the strict CSP loosened (no inline script, style or event handler).
    assert 'id="dashboard-data" type="application/json"' in body
    assert inline_code(body) == []


@pytest.mark.parametrize(
    ("role", "label"),
    [("provider", "My patients' tasks"), ("coordinator", "My tasks"), ("medical_assistant", "My tasks")],
)
def test_providers_and_coordinators_see_their_own_slice(client, request, role, label):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert response.context["scope_label"] == label


@pytest.mark.parametrize("role", ["front_desk", "admin"])
def test_front_desk_and_admin_have_no_dashboard(client, request, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("dashboard")).status_code == 403
    assert client.get(reverse("dashboard_export")).status_code == 403


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_dashboard_refuses_post(client, manager):
    client.force_login(manager)

    assert client.post(reverse("dashboard")).status_code == 405
    assert client.post(reverse("dashboard_export")).status_code == 405


def test_invalid_period_is_reported_and_the_default_period_used(client, manager):
    client.force_login(manager)
    today = timezone.localdate()
    response = client.get(
        reverse("dashboard"),
        {"start": today.isoformat(), "end": (today - datetime.timedelta(days=3)).isoformat()},
    )

    assert response.status_code == 200
    assert "start" in response.context["form"].errors
    work = response.context["board"].slice
    assert (work.start, work.end) == (today - datetime.timedelta(days=DEFAULT_DAYS - 1), today)


# ---- CSV export ------------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_export_of_one_table_is_that_table_of_the_page(client, manager, coordinator, colleague, known):
    client.force_login(manager)
    response = client.get(reverse("dashboard_export"), {"table": "owners"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="followthrough-owners-')
    assert read_csv(response) == [
        ["Owner", "Open", "Overdue", "Overdue share", "Over capacity"],
        [str(coordinator), "5", "3", "0.600", ""],
        [str(colleague), "3", "0", "0.000", ""],
    ]


def test_export_keeps_the_filters_and_the_period(client, manager, known):
    client.force_login(manager)
    response = client.get(reverse("dashboard_export"), {"table": "completion", "program": known.program.pk})

    today = known.today
    period = f"{(today - datetime.timedelta(days=DEFAULT_DAYS - 1)).isoformat()}..{today.isoformat()}"
    assert read_csv(response) == [
        ["Type", "Completed", "On time", "Late", "On-time rate", "Period"],
        ["Lab", "2", "1", "1", "0.500", period],
        ["Check-in", "1", "1", "0", "1.000", period],
    ]


def test_export_without_a_table_has_every_table_of_the_page(client, manager, known):
    client.force_login(manager)
    rows = read_csv(client.get(reverse("dashboard_export")))

    titles = [row[0] for row, before in zip(rows, [[], *rows], strict=False) if len(row) == 1 and not before]
    assert titles == [
        "Workload by owner",
        "Open work by program",
        "Open work by risk level",
        "Open work by location",
        "Open work by task type",
        "Completion by task type",
        "Reassignments and reschedules by team",
        "Reassignments and reschedules by owner",
        "Time in status",
        "Backlog trend",
    ]


def test_export_of_an_unknown_table_is_not_found(client, manager):
    client.force_login(manager)

    assert client.get(reverse("dashboard_export"), {"table": "patients"}).status_code == 404


def test_export_defuses_spreadsheet_formulas_in_names(client, manager, team):
    evil = member(Role.COORDINATOR, team, first_name="=HYPERLINK(1)", last_name="x")
    patient = PatientFactory(care_team=team)
    from tests.factories import TaskFactory

    TaskFactory(patient=patient, owner=evil)
    client.force_login(manager)

    rows = read_csv(client.get(reverse("dashboard_export"), {"table": "owners"}))
    assert rows[1][0] == "'=HYPERLINK(1) x"


# ---- a fixed number of queries ---------------------------------------------------------------------


def bulk_practice(team, n: int, *, user) -> None:
    """`n` tasks of every status over 10 owners (`user` one of them, and the patients' primary
    provider), 3 programs and 2 risk levels, with timelines (created, status changes,
    reassignments, reschedules) and 90 days of snapshots: every query of the page has rows to read, whatever
    the user's scope. Bulk rows, not actions: only the size matters here."""
    today = timezone.localdate()
    owners = [user, *(member(Role.COORDINATOR, team) for _ in range(9))]
    programs = [ProgramFactory() for _ in range(3)]
    patients = [
        PatientFactory(care_team=team, primary_provider=user, risk_level=("low", "high")[i % 2])
        for i in range(6)
    ]
    plans = [
        CarePlanFactory(patient=p, program=programs[i % 3], author=owners[0]) for i, p in enumerate(patients)
    ]
    statuses = itertools.cycle(
        [Status.NEW, Status.IN_PROGRESS, Status.WAITING, Status.COMPLETED, Status.CANCELLED]
    )
    kinds = itertools.cycle(TaskKind.values)
    now = timezone.now()
    tasks = []
    for i in range(n):
        status = next(statuses)
        patient = patients[i % len(patients)]
        tasks.append(
            Task(
                patient=patient,
                care_plan=plans[i % len(plans)] if i % 4 else None,
                title=f"Bulk {i}",
                kind=next(kinds),
                owner=owners[i % len(owners)],
                care_team=team,
                due_on=today + datetime.timedelta(days=i % 21 - 10),
                status=status,
                waiting_reason="lab_result" if status == Status.WAITING else "",
                waiting_until=today + datetime.timedelta(days=i % 5 - 2)
                if status == Status.WAITING
                else None,
                outcome="done" if status in (Status.COMPLETED, Status.CANCELLED) else "",
                completed_at=now - datetime.timedelta(days=i % 30) if status == Status.COMPLETED else None,
                created_at=now - datetime.timedelta(days=40),
            )
        )
    Task.objects.bulk_create(tasks)
    activities = []
    for task in tasks:
        base = dict(task=task, patient_id=task.patient_id, care_team_id=task.care_team_id)
        activities.append(
            Activity(kind=ActivityKind.CREATED, to_status=Status.NEW, created_at=task.created_at, **base)
        )
        if task.status != Status.NEW:
            activities.append(
                Activity(
                    kind=ActivityKind.STATUS_CHANGE,
                    from_status=Status.NEW,
                    from_status_since=task.created_at,
                    to_status=task.status,
                    created_at=now - datetime.timedelta(days=task.pk % 30, hours=1),
                    **base,
                )
            )
        if task.pk % 4 == 0:
            activities.append(
                Activity(kind=ActivityKind.RESCHEDULE, created_at=now - datetime.timedelta(days=20), **base)
            )
        if task.pk % 3 == 0:
            activities.append(
                Activity(
                    kind=ActivityKind.REASSIGNMENT,
                    from_owner=owners[0],
                    to_owner=task.owner,
                    created_at=now - datetime.timedelta(days=35),
                    **base,
                )
            )
    Activity.objects.bulk_create(activities)
    # The trend's rows, written directly: bulk tasks have no history to take them from.
    days = [today - datetime.timedelta(days=d) for d in range(90)]
    SnapshotDay.objects.bulk_create(
        (SnapshotDay(day=d, taken_at=day_start(d)) for d in days), ignore_conflicts=True
    )
    MetricSnapshot.objects.bulk_create(
        MetricSnapshot(
            day=d, care_team=team, location=team.location, program=p, owner=o, backlog=n // 50 + 1, overdue=1
        )
        for d in days
        for p in programs
        for o in owners[:3]
    )
    services.sum_team_snapshots(first=days[-1], last=days[0])
    assert SnapshotDay.objects.count() == 90


@pytest.mark.parametrize("role", ["manager", "coordinator", "provider"])
def test_dashboard_costs_the_same_queries_with_10_tasks_and_with_1000(client, request, team, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    bulk_practice(team, 10, user=user)
    few = count_queries(client, reverse("dashboard"))

    bulk_practice(team, 990, user=user)
    assert Task.objects.count() == 1000
    many = count_queries(client, reverse("dashboard"))

    assert few == many
    assert many <= 16  # 15, and whether the flow rows answer (dashboards.flow_days.coverage)


def test_backfilled_trend_is_on_the_page(client, manager, known):
    services.take_snapshots(first=known.today - datetime.timedelta(days=2), last=known.today)
    client.force_login(manager)
    board = client.get(reverse("dashboard")).context["board"]

    assert [p.day for p in board.trend] == [known.today - datetime.timedelta(days=n) for n in (2, 1, 0)]
    assert board.chart_data()["trend"]["days"][-1] == known.today.isoformat()
