"""The scale loader writes in bulk what the actions would have written: every task passes the
same invariants as the demo, made through the actions. On PostgreSQL a one-step task's timeline
is written set-based (INSERT ... SELECT from the task rows); on SQLite, row by row in Python."""

import re

import pytest

from benchmark import scale
from careplans.models import Patient
from tasks.choices import ActivityKind, Status
from tasks.models import Activity, Task
from tests.demo.invariants import violations


def test_a_small_scale_practice_has_the_timelines_the_actions_write(db):
    result = scale.seed(patients=60, tasks=400, log=lambda *_: None)

    assert result.loaded
    assert (Patient.objects.count(), Task.objects.count()) == (60, 400)
    assert set(Task.objects.values_list("status", flat=True)) == set(Status.values)
    assert Activity.objects.filter(kind=ActivityKind.REASSIGNMENT).exists()
    assert violations() == []
    waits = Activity.objects.filter(kind=ActivityKind.STATUS_CHANGE, to_status=Status.WAITING)
    assert all(re.search(r" until \d\d/\d\d/\d{4}: ", body) for body in waits.values_list("body", flat=True))
    assert all(re.fullmatch(r"\d{8}", mrn) for mrn in Patient.objects.values_list("mrn", flat=True))


def test_loading_twice_is_refused_or_reused(db):
    scale.seed(patients=20, tasks=50, log=lambda *_: None)

    assert not scale.seed(patients=20, tasks=50, log=lambda *_: None).loaded
    with pytest.raises(scale.SeedRefused):
        scale.seed(patients=40, tasks=50, log=lambda *_: None)
    assert scale.seed(patients=40, tasks=50, force=True, log=lambda *_: None).loaded
    assert Patient.objects.count() == 40
