"""Practice-wide export as NDJSON, one file per resource type, in the Bulk Data `$export`
layout (Patient.ndjson, CarePlan.ndjson, ...: one resource a line), for `manage.py fhir_export`.

Streamed: each type is read with .iterator(chunk_size) (a server-side cursor on PostgreSQL) and
written line by line, so memory holds one chunk, never the practice. Users (Practitioner) are
read once into a dict, a few hundred rows, so the other types join nothing for their names.
Everything is exported, restricted patients included (marked restricted): this is the
operator's export of the whole database, run from the command line, not a user's read."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db.models import F, Prefetch

from accounts.models import User
from careplans.models import Appointment, CarePlan, Goal, Patient
from integrations.fhir import resources as res
from integrations.fhir.selectors import TASK_COLUMNS
from tasks.models import Task

CHUNK = 2000
TYPES = ("Patient", "Practitioner", "CarePlan", "Goal", "Task", "Appointment")


@dataclass
class Written:
    type: str
    path: Path
    count: int


def _lines(kind: str, practitioners: res.Practitioners) -> Iterator[dict]:
    users = practitioners.known
    if kind == "Practitioner":
        yield from (res.practitioner_resource(user) for _pk, user in sorted(users.items()))
    elif kind == "Patient":
        for patient in Patient.objects.order_by("pk").iterator(chunk_size=CHUNK):
            yield res.patient_resource(patient, practitioners)
    elif kind == "CarePlan":
        # Prefetched per chunk (Django runs a prefetch for each chunk an iterator reads).
        goal_ids = Prefetch("goals", queryset=Goal.objects.only("pk", "care_plan_id").order_by("pk"))
        plans = CarePlan.objects.select_related("program").prefetch_related(goal_ids).order_by("pk")
        for plan in plans.iterator(chunk_size=CHUNK):
            yield res.care_plan_resource(plan, practitioners, clinical=True, goals=plan.goals.all())
    elif kind == "Goal":
        goals = Goal.objects.annotate(patient_id=F("care_plan__patient_id")).order_by("pk")
        for goal in goals.iterator(chunk_size=CHUNK):
            yield res.goal_resource(goal, patient_id=goal.patient_id)
    elif kind == "Task":
        columns = [c for c in TASK_COLUMNS if not c.startswith("owner__")] + ["owner"]
        for task in Task.objects.only(*columns).order_by("pk").iterator(chunk_size=CHUNK):
            yield res.task_resource(task, practitioners, plans=True)
    elif kind == "Appointment":
        for appointment in Appointment.objects.order_by("pk").iterator(chunk_size=CHUNK):
            yield res.appointment_resource(appointment, practitioners)


def export(out: Path, types: Iterable[str] = TYPES) -> list[Written]:
    """Write <out>/<Type>.ndjson for each type; returns what was written."""
    out.mkdir(parents=True, exist_ok=True)
    practitioners = res.Practitioners(known={u.pk: u for u in User.objects.all()})
    written = []
    for kind in types:
        path = out / f"{kind}.ndjson"
        count = 0
        tmp = path.with_suffix(".ndjson.part")
        with tmp.open("w", encoding="utf-8") as handle:
            for resource in _lines(kind, practitioners):
                handle.write(json.dumps(resource, separators=(",", ":")))
                handle.write("\n")
                count += 1
        tmp.replace(path)  # a reader never sees half a file under the final name
        written.append(Written(kind, path, count))
    return written
