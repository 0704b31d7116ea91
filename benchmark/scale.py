"""Loading the scale practice `make bench` measures (`manage.py seed_scale`): the demo
practice's workflows and staff (demo.practice, demo.staff) at any size, bulk-written for speed.
benchmark.patients generates the rows, benchmark.stories tells each task's story as the actions
would have, benchmark.sinks writes them.

A small practice loads in one transaction. A large one on PostgreSQL, when the session may skip
foreign-key triggers (a superuser: the rows are generated consistent), commits staff and teams
first, then loads in committed batches over three connections (see benchmark.sinks.PostgresSink):
index maintenance is the cost of a load, and one backend is one core.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from benchmark.patients import PracticeLoader
from benchmark.rows import ID_MODELS
from benchmark.sinks import InsertSink, PostgresSink, can_skip_fk_checks
from benchmark.stories import TaskNarrator
from careplans.models import Appointment, CarePlan, Enrollment, Goal, Patient
from demo.staff import build_practice
from demo.wipe import practice_tables, wipe
from tasks.models import Activity, Task

# The practice the README's performance figures were measured on (`make bench`).
SCALE_PATIENTS = 100_000
SCALE_TASKS = 1_000_000
DEFAULT_SEED = 20250101
# From this many tasks, the parallel load (committed batches over three connections) pays.
PARALLEL_FROM = 50_000
PATIENTS_PER_TEAM = 5000


class SeedRefused(Exception):
    pass


@dataclass
class SeedResult:
    loaded: bool
    message: str
    seconds: float = 0.0


def seed(
    *,
    patients: int = SCALE_PATIENTS,
    tasks: int = SCALE_TASKS,
    force: bool = False,
    seed_value: int = DEFAULT_SEED,
    log=print,
) -> SeedResult:
    """Load the practice unless it is already there. `force` replaces patients, plans, tasks and
    their history and timelines (staff, teams, programs and templates are kept and reused)."""
    if patients < 1 or tasks < 1:
        raise SeedRefused("Patients and tasks must be positive.")
    have_patients = Patient.objects.count()
    if not force and have_patients:
        have_tasks = Task.objects.count()
        narrated = (
            Activity.objects.filter(kind="created").count() >= have_tasks
            and Task.history.filter(history_type="+").count() >= have_tasks
        )
        if have_patients >= patients and have_tasks >= tasks and narrated:
            return SeedResult(
                False,
                f"Reusing the practice already loaded ({have_patients} patients, {have_tasks} tasks); "
                "--force rebuilds it.",
            )
        raise SeedRefused(
            f"The database has {have_patients} patients and {have_tasks} tasks (or an unfinished load), "
            "not the practice asked for; --force deletes patients, plans and tasks (with their history) "
            "and loads again."
        )

    started = time.perf_counter()
    teams = 3 if patients <= 3 * PATIENTS_PER_TEAM else min(50, round(patients / PATIENTS_PER_TEAM))

    def progress(done_patients, done_tasks):
        log(f"  {done_patients:>7} patients, {done_tasks:>8} tasks  {time.perf_counter() - started:6.1f}s")

    def load(practice, *, parallel):
        return _load(
            practice,
            patients=patients,
            tasks=tasks,
            seed_value=seed_value,
            parallel=parallel,
            progress=progress,
        )

    if tasks >= PARALLEL_FROM and can_skip_fk_checks():
        # Committed first: the loader's own connections must see the staff and teams, and must not
        # wait on the locks a wipe holds.
        with transaction.atomic():
            if force:
                wipe()
            practice = build_practice(teams=teams)
        with transaction.atomic():
            counts = load(practice, parallel=True)
    else:
        with transaction.atomic():
            if force:
                wipe()
            practice = build_practice(teams=teams)
            counts = load(practice, parallel=False)
    _analyze()
    seconds = time.perf_counter() - started
    labels = (
        ("patient", "patients"),
        ("plan", "care plans"),
        ("appointment", "appointments"),
        ("task", "tasks"),
        ("task_h", "task history rows"),
        ("activity", "activities"),
    )
    summary = ", ".join(f"{counts[name]} {label}" for name, label in labels)
    return SeedResult(True, f"Loaded {len(practice.teams)} care teams, {summary} in {seconds:.1f}s.", seconds)


def _load(practice, *, patients, tasks, seed_value, parallel, progress) -> dict[str, int]:
    sink = PostgresSink(parallel=parallel) if connection.vendor == "postgresql" else InsertSink()
    narrator = TaskNarrator(
        rng=random.Random(seed_value),  # noqa: S311  # nosec B311  # seeded made-up data, not a secret
        now=timezone.localtime(),
        narrate_plain=not sink.narrates_plain_tasks,
    )
    loader = PracticeLoader(practice, narrator=narrator)
    try:
        counts = loader.load(patients=patients, tasks=tasks, sink=sink, progress=progress)
    finally:
        sink.close()
    counts["task_h"] += sink.narrated_history
    counts["activity"] += sink.narrated_activities
    _reset_sequences()
    return counts


# ---- after --------------------------------------------------------------------------------


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(ID_MODELS))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _analyze() -> None:
    """Statistics for the planner, and on PostgreSQL a VACUUM of the tables pages read most, so
    their visibility map is set and index-only scans (queue and dashboard counts, the patient
    list's count) work right after a load rather than once autovacuum gets to them."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            return
        if connection.vendor != "postgresql":
            return
        vacuum = {m._meta.db_table for m in (Patient, Task, CarePlan, Enrollment, Goal, Appointment)}
        if not connection.in_atomic_block:  # VACUUM cannot run inside a transaction
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(qn(t) for t in sorted(vacuum))}")
            cursor.execute(f"ANALYZE {', '.join(qn(t) for t in practice_tables() if t not in vacuum)}")
        else:
            cursor.execute(f"ANALYZE {', '.join(qn(t) for t in practice_tables())}")
