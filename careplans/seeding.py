"""Seeding a practice: the demo a newcomer sees on `make run`, and the scale practice `make bench`
measures. Both are the same practice at different sizes: careplans.seeding_demo says what it is
made of, this module decides whether to load and generates its rows, careplans.seeding_scale
tells each task's story and writes the rows.

The demo loads in one transaction. The scale practice on PostgreSQL, when the session may skip
foreign-key triggers (a superuser: the rows are generated consistent), commits staff and teams
first, then loads in committed batches over three connections (see seeding_scale.PostgresSink):
index maintenance is the cost of a load, and one backend is one core.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.models import PatientAccessLog
from careplans.models import Appointment, CarePlan, Enrollment, Goal, Patient, PatientUserObjectPermission
from careplans.seeding_demo import (
    AD_HOC,
    APPOINTMENT_KINDS,
    AREA_CODES,
    FIRST_NAMES,
    LAST_NAMES,
    RISK_LOAD,
    RISK_MIX,
    Practice,
    ProgramInfo,
    build_practice,
    programs_for,
    weighted,
)
from careplans.seeding_scale import (
    FD,
    HIGH,
    ID_MODELS,
    PR,
    C,
    Ids,
    InsertSink,
    PostgresSink,
    Table,
    TaskNarrator,
    can_skip_fk_checks,
    columns,
    history_table,
    new_task,
)
from tasks.choices import Priority
from tasks.models import Activity, Task

DEMO_PATIENTS = 200
DEMO_TASKS = 1500
DEFAULT_SEED = 20250101
# Above this many tasks the stories go lean (created + one status change): see seeding_scale.
RICH_LIMIT = 50_000
PATIENTS_PER_TEAM = 5000

# Children first: what a wipe deletes and what ANALYZE refreshes.
PRACTICE_MODELS = (
    PatientAccessLog,
    Activity,
    Task,
    Goal,
    CarePlan,
    Enrollment,
    Appointment,
    PatientUserObjectPermission,
    Patient,
)


class SeedRefused(Exception):
    pass


@dataclass
class SeedResult:
    loaded: bool
    message: str
    seconds: float = 0.0


def seed(
    *,
    patients: int = DEMO_PATIENTS,
    tasks: int = DEMO_TASKS,
    if_empty: bool = False,
    force: bool = False,
    seed_value: int = DEFAULT_SEED,
    log=print,
) -> SeedResult:
    """Load the practice unless it is already there. `force` replaces patients, plans, tasks and
    their history and timelines (staff, teams, programs and templates are kept and reused)."""
    if patients < 1 or tasks < 1:
        raise SeedRefused("Patients and tasks must be positive.")
    have_patients = Patient.objects.count()
    if if_empty and have_patients:
        return SeedResult(False, f"Demo data skipped: the database already has {have_patients} patients.")
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
    rich = tasks <= RICH_LIMIT
    teams = 3 if patients <= 3 * PATIENTS_PER_TEAM else min(50, round(patients / PATIENTS_PER_TEAM))

    def progress(done_patients, done_tasks):
        if not rich:
            log(
                f"  {done_patients:>7} patients, {done_tasks:>8} tasks  {time.perf_counter() - started:6.1f}s"
            )

    def load(practice, *, parallel):
        return _load(
            practice,
            patients=patients,
            tasks=tasks,
            rich=rich,
            seed_value=seed_value,
            parallel=parallel,
            progress=progress,
        )

    if not rich and can_skip_fk_checks():
        # Committed first: the loader's own connections must see the staff and teams, and must not
        # wait on the locks a wipe holds.
        with transaction.atomic():
            if force:
                _wipe()
            practice = build_practice(teams=teams)
        with transaction.atomic():
            counts = load(practice, parallel=True)
    else:
        with transaction.atomic():
            if force:
                _wipe()
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


def _load(practice, *, patients, tasks, rich, seed_value, parallel, progress) -> dict[str, int]:
    if connection.vendor == "postgresql":
        sink = PostgresSink(parallel=parallel, narrate=not rich)
    else:
        sink = InsertSink()
    narrator = TaskNarrator(
        rng=random.Random(seed_value),
        now=timezone.localtime(),
        rich=rich,
        narrate_plain=not sink.narrates_plain_tasks,
    )
    loader = PracticeLoader(practice, narrator=narrator)
    try:
        counts = loader.load(patients=patients, tasks=tasks, sink=sink, progress=progress)
    finally:
        sink.close()
    counts["task_h"] += sink.narrated_history
    counts["activity"] += sink.narrated_activities
    if loader.restricted_patient_ids:
        _grant_restricted(loader.restricted_patient_ids)
    _reset_sequences()
    return counts


# ---- generating the practice's rows ---------------------------------------------------------

PATIENT_COLUMNS = columns(
    "id mrn ehr_id ehr_url first_name last_name birth_date phone primary_provider_id care_team_id "
    "location_id risk_level is_restricted created_at"
)
ENROLLMENT_COLUMNS = ("id", "patient_id", "program_id", "started_on", "ended_on", "status")
PLAN_COLUMNS = columns(
    "id patient_id program_id template_id status starts_on ends_on author_id interventions created_at"
)
GOAL_COLUMNS = ("id", "care_plan_id", "description", "target", "status")
APPOINTMENT_COLUMNS = ("id", "patient_id", "starts_at", "provider_id", "kind", "source", "external_id")
_RISK = weighted(RISK_MIX)


class PracticeLoader:
    """Generates the practice's patients, enrollments, plans, goals and appointments, and the
    tasks their plans yield (plus ad-hoc work); the narrator tells each task's story."""

    def __init__(self, practice: Practice, *, narrator: TaskNarrator):
        self.practice = practice
        self.narrator = narrator
        self.rng = narrator.rng
        self.now = narrator.now
        self.tz = narrator.tz
        self.today = narrator.today
        self.rich = narrator.rich
        self.ids = Ids()
        self.tables = {
            "patient": Table(Patient, PATIENT_COLUMNS),
            "patient_h": history_table(Patient, PATIENT_COLUMNS),
            "enrollment": Table(Enrollment, ENROLLMENT_COLUMNS),
            "enrollment_h": history_table(Enrollment, ENROLLMENT_COLUMNS),
            "plan": Table(CarePlan, PLAN_COLUMNS),
            "plan_h": history_table(CarePlan, PLAN_COLUMNS),
            "goal": Table(Goal, GOAL_COLUMNS),
            "goal_h": history_table(Goal, GOAL_COLUMNS),
            "appointment": Table(Appointment, APPOINTMENT_COLUMNS),
            "appointment_h": history_table(Appointment, APPOINTMENT_COLUMNS),
            "task": narrator.tasks,
            "task_h": narrator.history,
            "activity": narrator.activities,
        }
        self.programs = list(practice.programs.values())
        self.by_code = practice.programs
        self.restricted_patient_ids: list[int] = []
        # The demo's teams are not the same size; the first one carries the named coordinators.
        weights = (45, 30, 25) if len(practice.teams) == 3 else [1] * len(practice.teams)
        self.team_pick = weighted(list(zip(practice.teams, weights, strict=True)))
        self.max_span = 240 if self.rich else 720

    # -- public ------------------------------------------------------------------------------

    def load(self, *, patients: int, tasks: int, sink, progress=None) -> dict[str, int]:
        """Generate the practice in batches of patients; `sink.put(batch, task_ids)` writes each."""
        remaining = tasks
        average = tasks / patients
        batch = 2000
        first_task = self.ids.next[Task]
        for index in range(patients):
            left = patients - index
            risk = self.narrator.pick(_RISK)
            if left == 1:
                k = remaining
            else:
                k = round(average * RISK_LOAD[risk] * (0.6 + 0.8 * self.narrator.random()))
                k = max(1, min(k, remaining - (left - 1)))
            self._patient(risk, k)
            remaining -= k
            if (index + 1) % batch == 0 or left == 1:
                rows = [(table, table.drain()) for table in self.tables.values() if table.rows]
                sink.put(rows, range(first_task, self.ids.next[Task]))
                first_task = self.ids.next[Task]
                if progress:
                    progress(index + 1, self.tables["task"].written)
        return {name: table.written for name, table in self.tables.items()}

    # -- one patient -------------------------------------------------------------------------

    def _patient(self, risk: str, k: int) -> None:
        rng, today = self.narrator, self.today
        team = self.narrator.pick(self.team_pick)
        providers = team.members.get(PR) or team.members[C]
        provider = rng.choice(providers)
        pid = self.ids.take(Patient)

        programs = programs_for(self.rng, risk, self.by_code)
        adhoc = sum(1 for _ in range(k) if rng.random() < 0.12)
        budget = k - adhoc
        while len(programs) > 1 and sum(p.one_offs for p in programs) > budget:
            programs.pop()
        fractions = [1.0] + [0.3 + 0.7 * rng.random() for _ in programs[1:]]
        span = self._fit_span(programs, fractions, budget)
        if not self.rich:
            # A practice with years behind it: stretch the history and keep the earliest tasks
            # (below), so most work is closed and one coordinator's open queue is a few hundred.
            span = min(self.max_span, round(span * (2 + 3 * rng.random())))
        starts = [today - dt.timedelta(days=round(span * f)) for f in fractions]

        slots = []  # (program, step, occurrence, due)
        appointments = []  # (day, kind)
        for program, start in zip(programs, starts, strict=True):
            appt_day = None
            if program.anchors_on_appointment:
                appt_day = start + dt.timedelta(days=rng.randint(3, 7))
                appointments.append((appt_day, "Transitional care visit"))
            slots.extend((program, *slot) for slot in program.slots(start, appt_day, today))
        if len(slots) > budget:  # keep the earliest: later ones read as "not created yet"
            slots.sort(key=lambda s: s[3])
            del slots[budget:]
        adhoc = k - len(slots)

        first_day = min(starts) - dt.timedelta(days=rng.randint(0, 60))
        for _ in range(1 + (rng.random() < 0.4)):
            appointments.append((self.narrator.day_between(first_day, today - dt.timedelta(days=1)), None))
        if rng.random() < 0.4:
            appointments.append((today + dt.timedelta(days=rng.randint(1, 45)), None))

        created_at = self.narrator.moment(first_day)
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        # A couple of restricted records in the demo; seeding grants them to the people on them.
        restricted = (
            self.rich
            and team is self.practice.teams[0]
            and len(self.restricted_patient_ids) < 2
            and rng.random() < 0.05
        )
        if restricted:
            self.restricted_patient_ids.append(pid)
        age_days = round(365.25 * (25 + 70 * rng.random() ** 0.7))
        mrn = f"MRN{1_000_000 + pid}"
        patient_row = (
            pid,
            mrn,
            f"E{pid:08d}",
            f"https://ehr.example.org/chart/E{pid:08d}",
            first,
            last,
            today - dt.timedelta(days=age_days),
            f"({rng.choice(AREA_CODES)}) 555-01{rng.randint(0, 99):02d}",
            provider,
            team.id,
            team.location_id,
            risk,
            restricted,
            created_at,
        )
        t = self.tables
        t["patient"].rows.append(patient_row)
        t["patient_h"].rows.append((*patient_row, created_at, None, "+", None))

        for day, kind in appointments:
            aid = self.ids.take(Appointment)
            minute = rng.randint(8 * 4, 17 * 4 - 1) * 15
            starts_at = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=self.tz)
            row = (aid, pid, starts_at, provider, kind or rng.choice(APPOINTMENT_KINDS), "ehr", f"APT{aid}")
            t["appointment"].rows.append(row)
            t["appointment_h"].rows.append(
                (*row, min(created_at + dt.timedelta(minutes=5), self.now), None, "+", None)
            )

        plans = {}
        for program, start in zip(programs, starts, strict=True):
            plans[program.id] = self._plan(pid, program, start, provider)
        if self.rich and rng.random() < 0.05:
            spare = [p for p in self.programs if p.id not in plans]
            if spare:
                self._plan(
                    pid,
                    rng.choice(spare),
                    today + dt.timedelta(days=rng.randint(1, 14)),
                    provider,
                    draft=True,
                )

        patient = (pid, team, risk, provider)
        self._plan_tasks(patient, slots, plans)
        for _ in range(adhoc):
            self._adhoc_task(patient, first_day, span)

    def _fit_span(self, programs, fractions, budget: int) -> int:
        """How long ago the first plan started, so the plans' tasks come close to `budget`."""
        today = self.today

        def count(span):
            starts = (today - dt.timedelta(days=round(span * f)) for f in fractions)
            return sum(p.count(start, today) for p, start in zip(programs, starts, strict=True))

        lo, hi = 3, self.max_span
        if count(hi) == count(lo):  # nothing recurring: any span gives the same work
            return self.narrator.randint(lo, hi)
        if count(lo) >= budget:
            return lo
        while lo < hi:
            mid = (lo + hi) // 2
            if count(mid) >= budget:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def _plan(self, pid: int, program: ProgramInfo, start: dt.date, author: int, *, draft=False):
        rng, today = self.narrator, self.today
        plan_id = self.ids.take(CarePlan)
        end = None if draft else program.end(start)
        ended = end is not None and end < today
        status = "draft" if draft else ("completed" if ended else "active")
        created_at = self.narrator.moment(min(start, today))
        row = (
            plan_id,
            pid,
            program.id,
            program.template_id,
            status,
            start,
            end,
            author,
            program.spec.interventions,
            created_at,
        )
        t = self.tables
        t["plan"].rows.append(row)
        t["plan_h"].rows.append((*row, created_at, None, "+", author))
        goals = program.spec.goals[: rng.randint(1, len(program.spec.goals))]
        for description, target in goals:
            goal_id = self.ids.take(Goal)
            if draft:
                goal_status = "proposed"
            elif ended:
                goal_status = "achieved" if rng.random() < 0.7 else "not_achieved"
            else:
                goal_status = "achieved" if rng.random() < 0.2 else "active"
            goal = (goal_id, plan_id, description, target, goal_status)
            t["goal"].rows.append(goal)
            t["goal_h"].rows.append((*goal, created_at, None, "+", author))
        if not draft:
            enrollment = (
                self.ids.take(Enrollment),
                pid,
                program.id,
                start,
                end,
                "ended" if ended else "active",
            )
            t["enrollment"].rows.append(enrollment)
            t["enrollment_h"].rows.append((*enrollment, created_at, None, "+", None))
        return plan_id, created_at, end

    # -- tasks -------------------------------------------------------------------------------

    def _owner(self, team, role: str) -> int:
        members = team.members.get(role) or team.members.get(C) or next(iter(team.members.values()))
        return self.narrator.choice(members)

    def _plan_tasks(self, patient, slots, plans) -> None:
        rng = self.narrator
        pid, team, risk, provider = patient
        ids_by_step = {}  # (plan id, template task id, occurrence) -> task id
        owners = {}
        appliers = [*team.members.get(C, []), provider]
        slots.sort(key=lambda s: (s[3], s[1].id, s[2]))
        for program, step, occurrence, due in slots:
            spec = step.spec
            plan_id, plan_created, _ = plans[program.id]
            key = (plan_id, step.id)
            owner = owners.get(key)
            if owner is None:
                owner = owners[key] = self._owner(team, str(spec.role))
            tid = self.ids.take(Task)
            ids_by_step[(plan_id, step.id, occurrence)] = tid
            if occurrence == 1:
                created_at, creator = plan_created, rng.choice(appliers)
            else:
                # The recurrence job made it when the previous one fell due.
                created_at = self.narrator.moment(min(due - dt.timedelta(days=spec.every), self.today))
                creator = None
            task = new_task(
                tid,
                pid,
                team.id,
                spec.title,
                str(spec.kind),
                owner,
                due,
                int(spec.priority),
                created_at,
                creator,
                plan=plan_id,
                step=step.id,
                occurrence=occurrence,
                depends_on=ids_by_step.get((plan_id, step.depends_on_id, 1)) if step.depends_on_id else None,
                previous=ids_by_step.get((plan_id, step.id, occurrence - 1)),
                every=spec.every,
            )
            self.narrator.play(task, team, risk)

    def _adhoc_task(self, patient, first_day: dt.date, span: int) -> None:
        rng, today = self.narrator, self.today
        pid, team, risk, _ = patient
        title, kind, role, wait_reason = rng.choice(AD_HOC)
        horizon = dt.timedelta(days=21 if self.rich else 10)
        due = self.narrator.day_between(max(first_day, today - dt.timedelta(days=span + 10)), today + horizon)
        created_day = max(first_day, min(today, due - dt.timedelta(days=rng.randint(0, 14))))
        creator = self._owner(team, rng.choice((C, C, PR, FD)))
        priority = HIGH if risk == "high" and rng.random() < 0.5 else int(Priority.NORMAL)
        owner = self._owner(team, str(role))
        task = new_task(
            self.ids.take(Task),
            pid,
            team.id,
            title,
            str(kind),
            owner,
            due,
            priority,
            self.narrator.moment(created_day),
            creator,
        )
        self.narrator.play(task, team, risk, wait_reason=wait_reason)


# ---- before and after -------------------------------------------------------------------------


def _tables() -> list[str]:
    tables = []
    for model in PRACTICE_MODELS:
        tables.append(model._meta.db_table)
        if hasattr(model, "history"):
            tables.append(model.history.model._meta.db_table)
    return tables


def _wipe() -> None:
    qn = connection.ops.quote_name
    tables = _tables()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(qn(t) for t in tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {qn(table)}")


def _grant_restricted(patient_ids: list[int]) -> None:
    """A restricted record is visible only to the people granted it: its provider and whoever
    owns its tasks, so nobody owns work they cannot open."""
    User = get_user_model()
    for patient in Patient.objects.filter(pk__in=patient_ids):
        people = set(Task.objects.filter(patient=patient).values_list("owner_id", flat=True))
        people.add(patient.primary_provider_id)
        for user in User.objects.filter(pk__in=people):
            assign_perm("careplans.view_patient", user, patient)


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
            cursor.execute(f"ANALYZE {', '.join(qn(t) for t in _tables() if t not in vacuum)}")
        else:
            cursor.execute(f"ANALYZE {', '.join(qn(t) for t in _tables())}")
