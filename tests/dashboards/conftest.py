"""A team with known rows for the dashboard: every figure's expected value is counted by hand in
the docstring of `known` (T is today in the practice's time zone)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from careplans.models import RiskLevel
from tasks import actions
from tasks.choices import Status, TaskKind
from tasks.models import Task
from tasks.rowsets import day_start
from tests.factories import CarePlanFactory, LocationFactory, PatientFactory, ProgramFactory, TaskFactory


def local(day: datetime.date, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0):
    """A wall-clock time on `day` in the practice's time zone."""
    return datetime.datetime.combine(
        day, datetime.time(hour, minute, second, micro), tzinfo=timezone.get_default_timezone()
    )


def set_completed_at(task: Task, when: datetime.datetime) -> Task:
    """Test-only time travel: the actions stamp `now`; a boundary needs an exact instant."""
    Task.objects.filter(pk=task.pk).update(completed_at=when)
    task.refresh_from_db()
    return task


@dataclass
class Known:
    today: datetime.date
    tasks: dict[str, Task]
    program: object
    team_location: object
    other_location: object


@pytest.fixture
def known(team, other_team, manager, coordinator, colleague, provider, outsider) -> Known:
    """North team (managed by `manager`), T = today:

    | task | patient | owner | due | kind | now | notes |
    |---|---|---|---|---|---|---|
    | a | high (plan: Diabetes) | C | T-2 | lab | New | overdue |
    | b | high (plan) | C | T-1 | outreach | Waiting until T+3 | overdue |
    | c | high (plan) | C | T | check-in | In progress | due today |
    | k | high (plan) | C | T-3 | lab | In progress | completed then reopened: overdue |
    | d | low | L | T+1 | outreach | New | next 7 days |
    | e | low | L | T+7 | outreach | New | next 7 days (last day) |
    | f | low | L | T+8 | scheduling | New | after the 7 days |
    | g | low | C | T+3 | outreach | Waiting until T-1 | wait ended; next 7 days |
    | h | high (plan) | C | T | lab | Completed now | on time |
    | i | high (plan) | L | T-5 | lab | Completed now | late |
    | j | high (plan) | C | T | check-in | Completed T 23:59:59.999999 | on time (on its due day) |
    | l | low | L | T-1 | check-in | Completed T 00:00:00 | late (the first instant after) |
    | m | low | C | T+2 | outreach | Completed now | reassigned C→L→C |
    | n | low | L | T+4 | outreach | Cancelled | closed, not completed |
    | o | South patient | outsider | T-2 | outreach | New | another team: never counted |
    | p | South patient | outsider | T-1 | outreach | Completed now | another team |

    C = coordinator, L = colleague; "high" is Ada-like high-risk patient at the team's location
    with the provider as primary provider, "low" a low-risk patient at Hillside Clinic.
    """
    today = timezone.localdate()

    def day(n: int) -> datetime.date:
        return today + datetime.timedelta(days=n)

    program = ProgramFactory(name="Diabetes")
    hillside = LocationFactory(name="Hillside Clinic")
    high = PatientFactory(care_team=team, primary_provider=provider, risk_level=RiskLevel.HIGH)
    plan = CarePlanFactory(patient=high, program=program, author=provider)
    low = PatientFactory(care_team=team, location=hillside, risk_level=RiskLevel.LOW)
    south = PatientFactory(care_team=other_team)

    def task(patient, owner, due, kind=TaskKind.OUTREACH_CALL, status=Status.NEW):
        return TaskFactory(
            patient=patient,
            owner=owner,
            due_on=day(due),
            kind=kind,
            status=status,
            care_plan=plan if patient == high else None,
        )

    C, L = coordinator, colleague
    t = {
        "a": task(high, C, -2, TaskKind.LAB),
        "b": task(high, C, -1, status=Status.WAITING),
        "c": task(high, C, 0, TaskKind.CHECK_IN, Status.IN_PROGRESS),
        "k": task(high, C, -3, TaskKind.LAB, Status.COMPLETED),
        "d": task(low, L, 1),
        "e": task(low, L, 7),
        "f": task(low, L, 8, TaskKind.SCHEDULING),
        "g": task(low, C, 3, status=Status.WAITING),
        "h": task(high, C, 0, TaskKind.LAB, Status.COMPLETED),
        "i": task(high, L, -5, TaskKind.LAB, Status.COMPLETED),
        "j": task(high, C, 0, TaskKind.CHECK_IN, Status.COMPLETED),
        "l": task(low, L, -1, TaskKind.CHECK_IN, Status.COMPLETED),
        "m": task(low, C, 2),
        "n": task(low, L, 4, status=Status.CANCELLED),
        "o": task(south, outsider, -2),
        "p": task(south, outsider, -1, status=Status.COMPLETED),
    }
    t["k"] = actions.reopen_task(t["k"], by=manager, reason="The lab never arrived")
    # A wait that ended yesterday (wait_task refuses a past date, so the date is moved after).
    Task.objects.filter(pk=t["g"].pk).update(waiting_until=day(-1))
    t["j"] = set_completed_at(t["j"], day_start(day(1)) - datetime.timedelta(microseconds=1))
    t["l"] = set_completed_at(t["l"], day_start(today))
    m = actions.reassign_task(t["m"], by=manager, to=L, reason="Covering a vacation")
    m = actions.reassign_task(m, by=manager, to=C, reason="Back from vacation")
    t["m"] = actions.complete_task(m, by=C, outcome="Reached; visit booked")
    for name, value in t.items():
        t[name] = Task.objects.get(pk=value.pk)
    return Known(today=today, tasks=t, program=program, team_location=team.location, other_location=hillside)
