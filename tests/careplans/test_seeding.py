"""The demo and scale loaders write what the actions would: every task with an owner and a due
date, and timelines the flow metrics can read (each row with its task's care team, each status
change with when the status it left began)."""

import importlib
import re

import pytest
from django.db import connection
from django.db.models import F

from careplans import seeding
from careplans.models import Patient
from tasks.choices import ActivityKind, Status
from tasks.models import Activity, Task

fill = importlib.import_module("tasks.migrations.0005_fill_activity_team_and_status_since")


def _timeline_is_consistent() -> None:
    assert not Activity.objects.exclude(care_team_id=F("task__care_team_id")).exists()
    assert not Activity.objects.exclude(patient_id=F("task__patient_id")).exists()
    written = sorted(
        Activity.objects.filter(kind=ActivityKind.STATUS_CHANGE).values_list("pk", "from_status_since")
    )
    Activity.objects.update(from_status_since=None)
    with connection.cursor() as cursor:
        cursor.execute(fill.FILL_STATUS_SINCE)  # since = the previous status event, in SQL
    assert (
        sorted(
            Activity.objects.filter(kind=ActivityKind.STATUS_CHANGE).values_list("pk", "from_status_since")
        )
        == written
    )
    assert all(since is not None for _, since in written)
    waits = Activity.objects.filter(kind=ActivityKind.STATUS_CHANGE, to_status=Status.WAITING)
    assert waits.exists()
    assert all(re.search(r" until \d\d/\d\d/\d{4}", body) for body in waits.values_list("body", flat=True))


def test_demo_practice(db):
    result = seeding.seed(patients=60, tasks=400, log=lambda *_: None)

    assert result.loaded
    assert (Patient.objects.count(), Task.objects.count()) == (60, 400)
    assert set(Task.objects.values_list("status", flat=True)) == set(Status.values)
    assert Activity.objects.filter(kind=ActivityKind.CREATED).count() == 400
    _timeline_is_consistent()


def test_scale_practice_narrated_in_sql(db, monkeypatch):
    """Above RICH_LIMIT, one-step stories are written set-based (INSERT ... SELECT) on
    PostgreSQL; lowered here so a small practice takes that path, in the test's transaction."""
    monkeypatch.setattr(seeding, "RICH_LIMIT", 100)
    monkeypatch.setattr(seeding, "can_skip_fk_checks", lambda: False)

    seeding.seed(patients=100, tasks=800, log=lambda *_: None)

    assert Task.objects.count() == 800
    assert Activity.objects.filter(kind=ActivityKind.CREATED).count() == 800
    _timeline_is_consistent()


def test_loading_twice_is_refused_or_reused(db):
    seeding.seed(patients=20, tasks=50, log=lambda *_: None)

    assert not seeding.seed(patients=20, tasks=50, log=lambda *_: None).loaded
    with pytest.raises(seeding.SeedRefused):
        seeding.seed(patients=40, tasks=50, log=lambda *_: None)
