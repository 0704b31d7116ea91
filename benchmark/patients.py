"""The scale practice's patients, enrollments, care plans, goals and appointments, and the tasks
their plans yield (plus ad-hoc work), as rows; benchmark.stories tells each task's story.

A practice with years behind it: each patient's history is stretched up to two years and keeps
its earliest tasks, so most work is closed and one coordinator's open queue is a few hundred.
"""

from __future__ import annotations

import datetime as dt

from benchmark.rows import FD, HIGH, PR, C, Ids, Table, columns, history_table
from benchmark.stories import TaskNarrator, new_task
from careplans.dates import WorkCalendar
from careplans.models import Appointment, CarePlan, Enrollment, Goal, Patient
from demo.practice import (
    AD_HOC,
    APPOINTMENT_KINDS,
    AREA_CODES,
    FIRST_NAMES,
    LAST_NAMES,
    RISK_LOAD,
    RISK_MIX,
    ProgramInfo,
    mrn_for,
    programs_for,
    weighted,
)
from demo.staff import Practice
from tasks.choices import Priority
from tasks.models import Task

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
        # The demo's teams are not the same size; the first one carries the named coordinators.
        weights = (45, 30, 25) if len(practice.teams) == 3 else [1] * len(practice.teams)
        self.team_pick = weighted(list(zip(practice.teams, weights, strict=True)))
        self.max_span = 720
        # Business-day steps are dated on the practice's working days: its holidays read once.
        self.calendar = WorkCalendar(
            self.today - dt.timedelta(days=self.max_span + 60), self.today + dt.timedelta(days=60)
        )

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
        # Stretch the history and keep the earliest tasks (below): see the module's docstring.
        span = min(self.max_span, round(span * (2 + 3 * rng.random())))
        starts = [today - dt.timedelta(days=round(span * f)) for f in fractions]

        slots = []  # (program, step, occurrence, due)
        appointments = []  # (day, kind)
        for program, start in zip(programs, starts, strict=True):
            appt_day = None
            if program.anchors_on_appointment:
                appt_day = start + dt.timedelta(days=rng.randint(3, 7))
                appointments.append((appt_day, "Transitional care visit"))
            slots.extend((program, *slot) for slot in program.slots(start, appt_day, today, self.calendar))
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
        age_days = round(365.25 * (25 + 70 * rng.random() ** 0.7))
        mrn = mrn_for(pid)
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
            False,  # restricted: the demo has a couple, the scale practice none
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

    def _plan(self, pid: int, program: ProgramInfo, start: dt.date, author: int):
        rng, today = self.narrator, self.today
        plan_id = self.ids.take(CarePlan)
        end = program.end(start)
        ended = end is not None and end < today
        status = "completed" if ended else "active"
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
            if ended:
                goal_status = "achieved" if rng.random() < 0.7 else "not_achieved"
            else:
                goal_status = "achieved" if rng.random() < 0.2 else "active"
            goal = (goal_id, plan_id, description, target, goal_status)
            t["goal"].rows.append(goal)
            t["goal_h"].rows.append((*goal, created_at, None, "+", author))
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
        pid, team, _, provider = patient
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
            self.narrator.play(task, team)

    def _adhoc_task(self, patient, first_day: dt.date, span: int) -> None:
        rng, today = self.narrator, self.today
        pid, team, risk, _ = patient
        title, kind, role, wait_reason = rng.choice(AD_HOC)
        horizon = dt.timedelta(days=10)
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
        self.narrator.play(task, team, wait_reason=wait_reason)
