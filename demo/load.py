"""The demo practice, lived through (`manage.py seed_demo`): four months of a small practice, every
change made by the action a person would have used, at the moment they would have used it.

Patients, their appointments and enrollments are written with the ORM (they come from the EHR).
Everything else goes through the product: care plans with their tasks through
tasks.intake.preview and apply_template, ad-hoc work through create_task, every status change,
reassignment, note and contact attempt through tasks.actions, plan completion through
careplans.actions, and each morning the jobs beat runs (next occurrences, overdue and
waiting-expired notices, escalations). time-machine holds the clock at each event's moment, so
timestamps, history dates, timelines and every "today" check are as of then.

Each action commits on its own, as in production, so the work a commit hook queues (the next
occurrence of a completed check-in) happens at its moment; Celery runs it in process (eager),
so the load needs no broker and leaves no message behind.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import logging
import random
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace

import time_machine
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.errors import ActionError
from careplans.actions import GoalChange, update_care_plan
from careplans.models import Appointment, CarePlan, CarePlanTemplate, EnrollmentStatus, GoalStatus, Patient
from config.celery import app as celery_app
from dashboards import flow_days
from dashboards.services import take_snapshots
from demo.ccm import add_ccm
from demo.practice import (
    AD_HOC,
    APPOINTMENT_KINDS,
    AREA_CODES,
    CANCEL_REASONS,
    FIRST_NAMES,
    LAST_NAMES,
    NOTES,
    OUTCOMES,
    REASSIGN_REASONS,
    REOPEN_REASONS,
    RESCHEDULE_REASONS,
    RISK_MIX,
    WAIT_NOTES,
    ProgramInfo,
    mrn_for,
    programs_for,
    weighted,
)
from demo.staff import FD, MA, PR, C, TeamInfo, build_practice
from demo.stories import Step, pick, plan_story
from demo.wipe import wipe
from notifications.actions import escalate_overdue, mark_all_read, notify_overdue, notify_waiting_expired
from tasks import actions
from tasks.choices import FRONT_DESK_KINDS, OPEN_STATUSES, Priority
from tasks.intake import GoalInput, apply_template, preview
from tasks.models import Task
from tasks.recurrence import create_due_occurrences
from tasks.rights import can_note

DEMO_PATIENTS = 200
# The practice is lived for four months and the trend shows the last three: the trend's first day
# then already carries the backlog of the month before, instead of climbing from an empty practice.
DAYS = 120
TREND_DAYS = 90
# Tasks the care plans should yield by today (ad-hoc work comes on top): about 1,500 in all.
PLAN_TASK_BUDGET = 600
AD_HOC_TASKS = 170
DEFAULT_SEED = 20250101
RESTRICTED = 2  # patients only the people on them may open
_RISK = weighted(RISK_MIX)
QUIET_LOGGERS = ("celery.app.trace", "notifications.actions")
# The demo's teams are not the same size; the first one carries the named coordinators.
TEAM_WEIGHTS = (45, 30, 25)


class DemoRefused(Exception):
    pass


@dataclass
class DemoResult:
    loaded: bool
    message: str


def seed_demo(
    *,
    if_empty: bool = False,
    force: bool = False,
    seed_value: int = DEFAULT_SEED,
    patients: int = DEMO_PATIENTS,
    log=print,
) -> DemoResult:
    """Load the demo practice. `if_empty`: do nothing when any patient exists. `force`: first
    delete patients and everything hanging off them (staff, teams and templates are reused).
    `patients`: a smaller practice (tests), its work scaled down with it."""
    have = Patient.objects.count()
    if have and if_empty:
        return DemoResult(False, f"Demo data skipped: the database already has {have} patients.")
    if have and not force:
        raise DemoRefused(f"The database already has {have} patients; --force replaces them with the demo.")
    started = time.perf_counter()
    if force:
        with transaction.atomic():
            wipe()
    try:
        with _eager_celery(), _fast_commits(), _quiet_logs():
            counts = DemoPractice(random.Random(seed_value), patients=patients, log=log).live()  # noqa: S311  # nosec B311  # seeded made-up data, not a secret
            counts.update(add_ccm(random.Random(seed_value)))  # noqa: S311  # nosec B311  # as above
    except BaseException:
        # A half-loaded demo would pass for a loaded one (`--if-empty`): leave none.
        with transaction.atomic():
            wipe()
        raise
    today = timezone.localdate()
    take_snapshots(first=today - dt.timedelta(days=TREND_DAYS - 1), last=today)
    flow_days.rebuild(first=today - dt.timedelta(days=TREND_DAYS), last=today - dt.timedelta(days=1))
    summary = ", ".join(f"{n} {label}" for label, n in counts.items())
    return DemoResult(True, f"Loaded the demo practice: {summary} in {time.perf_counter() - started:.1f}s.")


@contextmanager
def _eager_celery():
    """complete_task queues the next occurrence after its commit: run it here, now, in process."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = before


@contextmanager
def _quiet_logs():
    """Each eager run and each day's escalation log a line at INFO: hundreds of them would bury
    the load's own output."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@contextmanager
def _fast_commits():
    """Thousands of small commits: PostgreSQL need not wait for each to reach the disk (a demo
    can be loaded again). SQLite in WAL mode with synchronous=NORMAL already does not."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


class DemoPractice:
    """The practice's last DAYS days as a calendar of events: each day the morning jobs, then that
    day's events in order, each at its own moment."""

    def __init__(self, rng: random.Random, *, patients: int = DEMO_PATIENTS, log=print):
        self.rng = rng
        self.log = log
        self.patients = patients
        self.plan_tasks = PLAN_TASK_BUDGET * patients // DEMO_PATIENTS
        self.ad_hoc_tasks = AD_HOC_TASKS * patients // DEMO_PATIENTS
        self.now = timezone.localtime()
        self.today = self.now.date()
        self.first_day = self.today - dt.timedelta(days=DAYS)
        self.calendar: dict[dt.date, list] = {}
        self.order = itertools.count()
        self.counts = {"patients": 0, "care plans": 0, "tasks": 0, "steps": 0, "refused": 0, "postponed": 0}

    # -- the calendar ------------------------------------------------------------------------

    def moment(self, day: dt.date, at: float) -> dt.datetime:
        """The point `at` (0..1) of `day`'s working hours, 07:30 to 18:00; today's end at now."""
        tz = self.now.tzinfo
        start = dt.datetime.combine(day, dt.time(7, 30), tzinfo=tz)
        end = dt.datetime.combine(day, dt.time(18, 0), tzinfo=tz)
        if day == self.today:
            end = min(end, self.now - dt.timedelta(minutes=1))
            start = max(
                min(start, end - dt.timedelta(minutes=30)), dt.datetime.combine(day, dt.time(0, 1), tzinfo=tz)
            )
        return start + (end - start) * at

    def schedule(self, day: dt.date, at: float, event) -> None:
        heapq.heappush(self.calendar.setdefault(day, []), (at, next(self.order), event))

    def live(self) -> dict[str, int]:
        self.practice = build_practice(teams=3)
        User = get_user_model()
        self.users = User.objects.in_bulk(
            [u for team in self.practice.teams for ids in team.members.values() for u in ids]
            + [u for team in self.practice.teams for u in team.managers]
        )
        self.templates = CarePlanTemplate.objects.in_bulk(
            [p.template_id for p in self.practice.programs.values()]
        )
        self._admit_patients()
        last_seen = Task.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        day = self.first_day
        with time_machine.travel(self.moment(day, 0), tick=False) as clock:
            while day <= self.today:
                clock.move_to(self.moment(day, 0))
                self._morning_jobs(day)
                # The day's events may schedule more for later that day: the same heap.
                events = self.calendar.setdefault(day, [])
                while events:
                    at, _, event = heapq.heappop(events)
                    clock.move_to(self.moment(day, at))
                    event()
                del self.calendar[day]
                clock.move_to(self.moment(day, 1))
                self._read_inboxes(day)
                last_seen = self._tell_new_occurrences(day, last_seen)
                day += dt.timedelta(days=1)
        self.counts["tasks"] = Task.objects.count()
        return self.counts

    # -- patients and their plans ------------------------------------------------------------

    def _admit_patients(self) -> None:
        """Who the practice looks after, when each plan starts, and ad-hoc work, within budget."""
        rng, today = self.rng, self.today
        teams = self.practice.teams
        team_pick = weighted(list(zip(teams, TEAM_WEIGHTS, strict=True)))
        budget = self.plan_tasks
        restricted = 0
        patients = []
        for n in range(1, self.patients + 1):
            risk = pick(rng, _RISK)
            team = pick(rng, team_pick)
            plans = []
            for program in programs_for(rng, risk, self.practice.programs):
                chronic = program.spec.episode_days is None
                start = today - dt.timedelta(days=rng.randint(14 if chronic else 0, DAYS - 1))
                cost = program.count(start, today)
                if plans and cost > budget:
                    continue
                budget -= cost
                plans.append((program, start))
            is_restricted = team is teams[0] and restricted < RESTRICTED and n % 7 == 3
            restricted += is_restricted
            patients.append(self._admit(n, risk, team, plans, is_restricted))
        for _ in range(self.ad_hoc_tasks):
            patient, team = rng.choice(patients)
            day = today - dt.timedelta(days=rng.randint(0, DAYS - 1))
            self.schedule(day, rng.random(), lambda p=patient, t=team, d=day: self._ad_hoc(p, t, d))

    def _admit(self, n: int, risk: str, team: TeamInfo, plans, is_restricted: bool):
        rng, today = self.rng, self.today
        provider = self.users[rng.choice(team.members[PR])]
        first = min((start for _, start in plans), default=today)
        registered = first - dt.timedelta(days=rng.randint(1, 60))
        desk = self.users[team.members[FD][0]]
        with time_machine.travel(self.moment(registered, rng.random()), tick=False):
            ehr_id = f"E{rng.randint(10**7, 10**8 - 1)}"
            patient = Patient(
                mrn=mrn_for(n),
                ehr_id=ehr_id,
                ehr_url=f"https://ehr.example.org/chart/{ehr_id}",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                birth_date=today - dt.timedelta(days=round(365.25 * (25 + 70 * rng.random() ** 0.7))),
                phone=f"({rng.choice(AREA_CODES)}) 555-01{rng.randint(0, 99):02d}",
                primary_provider=provider,
                care_team_id=team.id,
                location_id=team.location_id,
                risk_level=risk,
                is_restricted=is_restricted,
            )
            patient._history_user = desk  # registered by the front desk, from the EHR
            patient.save()
            self.counts["patients"] += 1
            if is_restricted:
                self._grant(patient, provider)
            visits = [_day_between(rng, registered + dt.timedelta(days=1), today - dt.timedelta(days=1))]
            if rng.random() < 0.4:
                visits.append(
                    _day_between(rng, registered + dt.timedelta(days=1), today - dt.timedelta(days=1))
                )
            if rng.random() < 0.4:
                visits.append(today + dt.timedelta(days=rng.randint(1, 45)))
            for day in visits:
                self._appointment(patient, provider, day, rng.choice(APPOINTMENT_KINDS), by=desk)
        for program, start in plans:
            self.schedule(
                start, rng.random(), lambda p=patient, g=program, s=start: self._apply_plan(p, g, s)
            )
        return patient, team

    def _appointment(self, patient, provider, day: dt.date, kind: str, *, by) -> None:
        minute = self.rng.randint(8 * 4, 16 * 4) * 15
        starts_at = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=self.now.tzinfo)
        appointment = Appointment(
            patient=patient,
            starts_at=starts_at,
            provider=provider,
            kind=kind,
            source="ehr",
            external_id=f"APT{self.rng.randint(10**6, 10**7 - 1)}",
        )
        appointment._history_user = by
        appointment.save()

    def _grant(self, patient: Patient, user) -> None:
        """A restricted record is open only to the people granted it: its provider and whoever
        owns its tasks, so nobody owns work they cannot open."""
        if patient.is_restricted and not user.has_perm("careplans.view_patient", patient):
            assign_perm("careplans.view_patient", user, patient)

    def _apply_plan(self, patient: Patient, program: ProgramInfo, start: dt.date) -> None:
        """The provider applies the program's template the day the plan starts, with goals."""
        rng = self.rng
        provider = patient.primary_provider
        if program.anchors_on_appointment:
            visit = start + dt.timedelta(days=rng.randint(3, 7))
            self._appointment(patient, provider, visit, "Transitional care visit", by=provider)
        template = self.templates[program.template_id]
        ends_on = program.end(start)
        rows = preview(patient=patient, template=template, starts_on=start, ends_on=ends_on)
        for row in rows:
            self._grant(patient, row.owner)
        goals = program.spec.goals[: rng.randint(1, len(program.spec.goals))]
        result = apply_template(
            patient=patient,
            template=template,
            starts_on=start,
            ends_on=ends_on,
            by=provider,
            rows=rows,
            intake_key=uuid.UUID(int=rng.getrandbits(128)),
            goals=[GoalInput(description, target) for description, target in goals],
            interventions=program.spec.interventions,
        )
        self.counts["care plans"] += 1
        at = self._now_at()
        for task in result.plan.tasks.all():
            self._tell(task, first_day=start, after=at)
        if ends_on is not None and ends_on <= self.today:
            self.schedule(ends_on, rng.random(), lambda plan=result.plan: self._close_plan(plan))

    def _close_plan(self, plan: CarePlan) -> None:
        """At the end of an episode the provider closes the plan and says how its goals went."""
        plan.refresh_from_db()
        if plan.status != "active":
            return
        changes = [
            GoalChange(
                goal.pk,
                goal.description,
                goal.target,
                GoalStatus.ACHIEVED if self.rng.random() < 0.7 else GoalStatus.NOT_ACHIEVED,
            )
            for goal in plan.goals.all()
        ]
        by = self.users[plan.author_id]
        update_care_plan(
            plan,
            by=by,
            expected_version=plan.version,
            status="completed",
            ends_on=plan.ends_on,
            interventions=plan.interventions,
            goals=changes,
        )
        for enrollment in plan.patient.enrollments.filter(
            program=plan.program, status=EnrollmentStatus.ACTIVE
        ):
            enrollment.status, enrollment.ended_on = EnrollmentStatus.ENDED, plan.ends_on
            enrollment._history_user = by
            enrollment.save()

    def _ad_hoc(self, patient: Patient, team: TeamInfo, day: dt.date) -> None:
        """Work that arrives outside any plan: a missed appointment, a portal message..."""
        rng = self.rng
        title, kind, role, wait_reason = rng.choice(AD_HOC)
        owner = self.users[rng.choice(team.members.get(str(role)) or team.members[C])]
        if patient.is_restricted:
            creator = patient.primary_provider
        else:
            roles = (C, C, PR, FD) if kind in FRONT_DESK_KINDS else (C, C, PR, MA)
            creator = self.users[rng.choice(team.members[rng.choice(roles)])]
        self._grant(patient, owner)
        due = day + dt.timedelta(days=rng.randint(0, 10))
        priority = Priority.HIGH if patient.risk_level == "high" and rng.random() < 0.5 else Priority.NORMAL
        task = actions.create_task(
            patient=patient, by=creator, title=title, kind=kind, owner=owner, due_on=due, priority=priority
        )
        self._tell(task, first_day=day, after=self._now_at(), wait_reason=wait_reason)

    # -- each task's story -------------------------------------------------------------------

    def _now_at(self) -> float:
        """Where the clock stands in today's working hours, as a fraction (see moment())."""
        now = timezone.localtime()
        start, end = self.moment(now.date(), 0), self.moment(now.date(), 1)
        return min(max((now - start) / (end - start), 0.0), 0.999)

    def _tell(self, task: Task, *, first_day: dt.date, after: float, wait_reason: str | None = None) -> None:
        for step in plan_story(
            self.rng,
            due=task.due_on,
            kind=task.kind,
            today=self.today,
            first_day=first_day,
            after=after,
            wait_reason=wait_reason,
        ):
            self.schedule(step.day, step.at, lambda pk=task.pk, s=step: self._step(pk, s))

    def _tell_new_occurrences(self, day: dt.date, last_seen: int) -> int:
        """The tasks the system made today (next occurrences): their stories start tomorrow."""
        new = list(Task.objects.filter(pk__gt=last_seen).order_by("pk"))
        for task in new:
            if task.created_by_id is None:  # the others were told when a person made them
                self._tell(task, first_day=day + dt.timedelta(days=1), after=0.0)
        return new[-1].pk if new else last_seen

    def _step(self, task_id: int, step: Step) -> None:
        # Only what the actions read before they lock the row (owner, team, version) and what
        # the steps need: a lean read, thousands of times.
        task = Task.objects.only(
            "version", "status", "kind", "owner", "care_team", "patient", "depends_on", "due_on", "care_plan"
        ).get(pk=task_id)
        owner = self.users[task.owner_id]
        rng = self.rng
        try:
            match step.verb:
                case "start":
                    actions.start_task(task, by=owner)
                case "wait":
                    until = step.day + dt.timedelta(days=rng.randint(3, 21))
                    actions.wait_task(
                        task,
                        by=owner,
                        reason=step.wait_reason,
                        until=until,
                        note=WAIT_NOTES[step.wait_reason],
                    )
                case "resume":
                    actions.resume_task(task, by=owner, note="Heard back; picking it up again.")
                case "complete" if self._earlier_step_open(task):
                    # The step it waits for comes first: the owner tries again in a day or two.
                    later = replace(step, day=step.day + dt.timedelta(days=rng.randint(1, 3)))
                    self.schedule(later.day, later.at, lambda pk=task.pk, s=later: self._step(pk, s))
                    self.counts["postponed"] += 1
                    return
                case "complete":
                    actions.complete_task(task, by=owner, outcome=rng.choice(OUTCOMES[task.kind]))
                case "cancel":
                    actions.cancel_task(task, by=owner, reason=rng.choice(CANCEL_REASONS))
                case "reopen":
                    actions.reopen_task(task, by=self._manager(task), reason=rng.choice(REOPEN_REASONS))
                case "reassign":
                    self._reassign(task, owner)
                case "reschedule" if task.status in OPEN_STATUSES:
                    later = max(task.due_on, step.day) + dt.timedelta(days=rng.randint(2, 7))
                    while later.weekday() >= 5:  # to a working day, as the owner would
                        later += dt.timedelta(days=1)
                    actions.change_task(task, by=owner, due_on=later, reason=rng.choice(RESCHEDULE_REASONS))
                case "reschedule":
                    return
                case "note" if can_note(owner, task):  # the front desk keeps no notes
                    actions.add_note(task, by=owner, body=rng.choice(NOTES))
                case "contact" if can_note(owner, task):
                    actions.add_note(task, by=owner, body="", contact_outcome=step.contact_outcome)
                case "note" | "contact":
                    return
        except ActionError as refused:
            # The story was planned before the day came (an escalation, an earlier step refused):
            # skip the step, as the person would, and count it.
            self.counts["refused"] += 1
            self.log(f"  {step.day} task {task_id} {step.verb}: {refused}")
            return
        self.counts["steps"] += 1

    @staticmethod
    def _earlier_step_open(task: Task) -> bool:
        return task.depends_on_id is not None and (
            Task.objects.filter(pk=task.depends_on_id, status__in=OPEN_STATUSES).exists()
        )

    def _manager(self, task: Task):
        team = self._team(task.care_team_id)
        return self.users[team.managers[0]]

    def _team(self, team_id: int) -> TeamInfo:
        return next(team for team in self.practice.teams if team.id == team_id)

    def _reassign(self, task: Task, owner) -> None:
        """To a colleague of the same role (coordinators and assistants cover for each other),
        by the owner when their role hands over its own work, else by the team's manager."""
        if task.status not in OPEN_STATUSES:
            return
        team = self._team(task.care_team_id)
        role = next((r for r, ids in team.members.items() if owner.pk in ids), None)
        others = [u for u in team.members.get(role, ()) if u != owner.pk]
        if not others and role in (C, MA):
            others = [u for r in (C, MA) for u in team.members.get(r, ()) if u != owner.pk]
        if not others:
            return
        to = self.users[self.rng.choice(others)]
        by = owner if role in (C, MA) and self.rng.random() < 0.6 else self._manager(task)
        self._grant(task.patient, to)
        actions.reassign_task(task, by=by, to=to, reason=self.rng.choice(REASSIGN_REASONS))

    # -- the days ----------------------------------------------------------------------------

    def _morning_jobs(self, day: dt.date) -> None:
        """What beat runs each day: recurring work that fell due gets its next occurrence;
        owners hear of overdue tasks and ended waits; overdue work past its threshold goes to
        the managers."""
        create_due_occurrences(today=day)
        notify_overdue(today=day)
        notify_waiting_expired(today=day)
        escalate_overdue(today=day)

    def _read_inboxes(self, day: dt.date) -> None:
        """People read their notices most days; the last three days' are still unread."""
        if day > self.today - dt.timedelta(days=3):
            return
        for user in self.users.values():
            if self.rng.random() < 0.5:
                mark_all_read(user)


def _day_between(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return lo if hi <= lo else lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))
