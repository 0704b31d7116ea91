"""FHIR R4 reads: Patient/$everything for patients with TASKS_PER_PATIENT tasks each (topped up
once, set-based, committed and idempotent like the other bench fixtures: running again adds
nothing), as a coordinator of their team. The practice-wide NDJSON export is a command, not a
page: measure it with `/usr/bin/time -v manage.py fhir_export --out DIR` (README "FHIR R4")."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from benchmark.runner import BenchContext, Case, Target, _sample
from careplans.models import Patient
from tasks.choices import TaskKind
from tasks.models import Task

TASKS_PER_PATIENT = 50
PATIENTS = 10


def with_tasks(user, patient_ids: list[int]) -> None:
    """Each patient holds at least TASKS_PER_PATIENT tasks, the missing ones owned by `user` (a
    member of their team), due over the coming weeks, in one INSERT."""
    have = dict(
        Task.objects.filter(patient_id__in=patient_ids)
        .values("patient_id")
        .annotate(n=Count("pk"))
        .values_list("patient_id", "n")
    )
    today = timezone.localdate()
    rows = [
        Task(
            patient=patient,
            owner=user,
            care_team_id=patient.care_team_id,
            title=f"Bench follow-up {i}",
            kind=TaskKind.LAB if i % 2 else TaskKind.OUTREACH_CALL,
            due_on=today + dt.timedelta(days=i % 60),
            created_by=user,
        )
        for patient in Patient.objects.filter(pk__in=patient_ids)
        for i in range(have.get(patient.pk, 0), TASKS_PER_PATIENT)
    ]
    with transaction.atomic():
        Task.objects.bulk_create(rows, batch_size=1000)


def everything_pages(ctx: BenchContext, n: int) -> list[Target]:
    ids = list(Patient.objects.visible_to(ctx.user).order_by("pk").values_list("pk", flat=True)[:5000])
    picked = _sample(ctx.rng, ids, PATIENTS)
    with_tasks(ctx.user, picked)
    return [reverse("fhir_everything", args=[picked[i % len(picked)]]) for i in range(n)]


CASES: list[Case] = [Case(f"FHIR $everything ({TASKS_PER_PATIENT} tasks)", everything_pages)]
