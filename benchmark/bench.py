"""Benchmark cases and their runner (`manage.py bench`, `make bench`).

A case is a name, the user it runs as, and a callable that picks its targets: URLs the test
client GETs, or zero-argument callables (a job) to run. Add a page or a job by appending a Case
to CASES. Targets differ from one request to the next (other patients, other tasks of the
user's teams), so the numbers are not one cached row's.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.twofactor import step_owed
from benchmark import audit_log, inbox
from careplans.models import Patient
from tasks.models import Task


@dataclass(frozen=True)
class JobRun:
    """One run of a job on a state `prepare` sets up: both in one transaction, rolled back after
    (emails queued on commit are dropped with it), and only `job` timed and its queries counted."""

    prepare: Callable[[], None]
    job: Callable[[], object]


class Htmx(str):
    """A URL requested as htmx requests it (a partial of a page)."""


Target = str | Callable[[], object] | JobRun


@dataclass
class BenchContext:
    user: object | None
    rng: random.Random


@dataclass(frozen=True)
class Case:
    name: str
    targets: Callable[[BenchContext, int], list[Target]]
    user: str | None = "coordinator"  # username, or None for an anonymous visitor
    # Jobs take seconds a run: they set their own run count instead of the pages' (at least 30),
    # and their queries are counted on a few runs (their count does not depend on the target).
    runs: int | None = None
    counted_runs: int | None = None
    # Run once before the user is looked up and the targets picked (e.g. creating that user).
    prepare: Callable[[], None] | None = None


def _sample(rng: random.Random, ids: list[int], n: int) -> list[int]:
    if not ids:
        raise LookupError("nothing visible to pick from: is the practice loaded?")
    return rng.sample(ids, n) if len(ids) >= n else [rng.choice(ids) for _ in range(n)]


def patient_pages(ctx: BenchContext, n: int) -> list[Target]:
    ids = list(Patient.objects.visible_to(ctx.user).values_list("pk", flat=True))
    return [reverse("patient_detail", args=[pk]) for pk in _sample(ctx.rng, ids, n)]


def task_pages(ctx: BenchContext, n: int) -> list[Target]:
    """Half the user's own open tasks (the work they open most), half any task of their teams."""
    visible = Task.objects.visible_to(ctx.user)
    own = list(visible.open().filter(owner=ctx.user).values_list("pk", flat=True))
    team = list(visible.values_list("pk", flat=True))
    picks = _sample(ctx.rng, own or team, n // 2) + _sample(ctx.rng, team, n - n // 2)
    ctx.rng.shuffle(picks)
    return [reverse("task_detail", args=[pk]) for pk in picks]


def patient_list_pages(ctx: BenchContext, n: int) -> list[Target]:
    return [reverse("patient_list")] * n


def login_pages(ctx: BenchContext, n: int) -> list[Target]:
    return [reverse("login")] * n


def my_work_pages(ctx: BenchContext, n: int) -> list[Target]:
    return [reverse("my_work")] * n


def team_queue_pages(ctx: BenchContext, n: int) -> list[Target]:
    """100 rows a page: the first pages, by due date and by priority, and a filtered view."""
    base = reverse("team_queue")
    variants = [base, f"{base}?page=2", f"{base}?sort=-priority", f"{base}?due=overdue", f"{base}?kind=lab"]
    return [variants[i % len(variants)] for i in range(n)]


CASES: list[Case] = [
    Case("patient page", patient_pages),
    Case("task page", task_pages),
    Case("patient list", patient_list_pages),
    Case("login page", login_pages, user=None),
    Case("my work", my_work_pages),
    Case("team queue (100 rows/page)", team_queue_pages),
]


# ---- jobs: notifications and escalation -----------------------------------------------------

NEWLY_OVERDUE = 10_000


def _jobs_steady_state() -> None:
    """The practice as beat leaves it: the seed's backlog already announced and escalated, as
    the regular runs would have done. Committed, but idempotent: a second call changes nothing,
    so the database stays reusable and every bench run measures the same thing."""
    from notifications import jobs

    jobs.sweep_overdue()
    jobs.sweep_waiting_expired()
    jobs.escalate_overdue()
    if connection.vendor == "postgresql":
        # As autovacuum would after tens of thousands of new notices: measured on a fresh bench
        # database without it, the sweep planned its anti-join on an empty notification table
        # and took 4.3 s instead of 0.26 s.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE notifications_notification, tasks_task")


def _newly_overdue_runs(ctx: BenchContext, n: int, *, job_name: str, make_overdue) -> list[Target]:
    """n runs of a job, each on its own 10,000 open tasks that `make_overdue(tasks, today)`
    has just made overdue (that UPDATE is the run's untimed preparation)."""
    from django.utils import timezone

    from bulksql import id_set
    from notifications import jobs
    from tasks.choices import Status

    _jobs_steady_state()
    today = timezone.localdate()
    pending = list(
        Task.objects.filter(status__in=(Status.NEW, Status.IN_PROGRESS), due_on__gte=today).values_list(
            "pk", flat=True
        )
    )
    job = getattr(jobs, job_name)

    def run_on(ids: list[int]) -> JobRun:
        return JobRun(prepare=lambda: make_overdue(Task.objects.filter(pk__in=id_set(ids)), today), job=job)

    return [run_on(_sample(ctx.rng, pending, NEWLY_OVERDUE)) for _ in range(n)]


def _due_yesterday(tasks, today: dt.date) -> None:
    tasks.update(due_on=today - dt.timedelta(days=1))


def _past_first_threshold(tasks, today: dt.date) -> None:
    """Each task one day past its own policy's first threshold, as at the first run after the
    midnight it crossed: escalated once, to level 1."""
    from notifications import escalation
    from notifications.models import EscalationPolicy

    first = next(step for step in escalation.steps(list(EscalationPolicy.objects.all())) if step.level == 1)
    for threshold in first.thresholds:
        tasks.filter(threshold.covers).update(due_on=today - dt.timedelta(days=threshold.after_days + 1))


def overdue_sweep_runs(ctx: BenchContext, n: int) -> list[Target]:
    return _newly_overdue_runs(ctx, n, job_name="sweep_overdue", make_overdue=_due_yesterday)


def escalation_runs(ctx: BenchContext, n: int) -> list[Target]:
    return _newly_overdue_runs(ctx, n, job_name="escalate_overdue", make_overdue=_past_first_threshold)


JOB_RUNS = 10

CASES += [
    Case("overdue sweep, 10k newly overdue", overdue_sweep_runs, user=None, runs=JOB_RUNS, counted_runs=2),
    Case("escalation, 10k newly past threshold", escalation_runs, user=None, runs=JOB_RUNS, counted_runs=2),
]


# ---- dashboard: the page, and its SQL run bare (the floor) ------------------------------------


def _dashboard_ready() -> None:
    """The practice as the nightly job and autovacuum leave it: 90 days of snapshots for the
    trend (taken once, from history; idempotent), and the task tables vacuumed, so the
    index-only scans the dashboard relies on are not sent to the heap by dead rows the job cases
    above leave behind (their updates are rolled back)."""
    from django.utils import timezone

    from dashboards import services
    from dashboards.models import SnapshotDay

    today = timezone.localdate()
    first = today - dt.timedelta(days=89)
    if SnapshotDay.objects.filter(day__gte=first, day__lte=today).count() < 90:
        services.take_snapshots(first=first, last=today)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) tasks_task, tasks_activity, careplans_patient")


def dashboard_pages(ctx: BenchContext, n: int) -> list[Target]:
    _dashboard_ready()
    return [reverse("dashboard")] * n


def dashboard_sql_floor(ctx: BenchContext, n: int) -> list[Target]:
    """The dashboard's own SQL, every statement one request of the page runs (session, user and
    rights included), executed through a bare cursor with every row fetched: the time the
    database needs, without Django building querysets, models, the template and the response."""
    _dashboard_ready()
    client = signed_in(ctx.user)
    with override_settings(DEBUG=False), CaptureQueriesContext(connection) as captured:
        status = client.get(reverse("dashboard"), secure=True).status_code
    if status != 200:
        raise RuntimeError(f"the dashboard answered {status}")
    statements = [q["sql"] for q in captured.captured_queries]

    def run():
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()

    return [run] * n


CASES += [
    Case("dashboard", dashboard_pages, user="manager"),
    Case("dashboard SQL floor", dashboard_sql_floor, user="manager"),
    Case("dashboard", dashboard_pages, user="coordinator"),
    Case("dashboard", dashboard_pages, user="provider"),
]


# ---- patient search: the header's dropdown and the list, as the practice's director ----------

EVERY_TEAM_MANAGER = "bench.director"


def _every_team_manager() -> None:
    """The widest scope a user can have, a manager of every team (a practice's director): the
    search looks through every patient. Committed; a second call changes nothing."""
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    from accounts.models import CareTeam
    from accounts.roles import Role

    with transaction.atomic():
        user, created = get_user_model().objects.get_or_create(username=EVERY_TEAM_MANAGER)
        if created:
            user.set_unusable_password()
            user.save()
            user.groups.add(Group.objects.get(name=Role.MANAGER))
        assign_perm("accounts.manage_careteam", user, CareTeam.objects.all())


def _search_texts(patient: Patient) -> list[str]:
    """What the front desk types for this patient: "First Last", the start of the last name, a
    part of the MRN, the date of birth, the phone number as written."""
    return [
        f"{patient.first_name} {patient.last_name}",
        patient.last_name[:5],
        patient.mrn[2:7],
        patient.birth_date.strftime("%m/%d/%Y"),
        patient.phone,
    ]


def _searches(ctx: BenchContext, n: int, *, url: str) -> list[Target]:
    ids = list(Patient.objects.visible_to(ctx.user).values_list("pk", flat=True))
    picked = Patient.objects.in_bulk(_sample(ctx.rng, ids, n))
    texts = [text for pk in sorted(picked) for text in _search_texts(picked[pk]) if text]
    ctx.rng.shuffle(texts)
    return [f"{url}?{urlencode({'q': texts[i % len(texts)]})}" for i in range(n)]


def header_searches(ctx: BenchContext, n: int) -> list[Target]:
    return _searches(ctx, n, url=reverse("patient_search"))


def list_searches(ctx: BenchContext, n: int) -> list[Target]:
    return _searches(ctx, n, url=reverse("patient_list"))


CASES += [
    Case("patient search", header_searches, user=EVERY_TEAM_MANAGER, prepare=_every_team_manager),
    Case("patient list, searched", list_searches, user=EVERY_TEAM_MANAGER, prepare=_every_team_manager),
]


# ---- the inbox of a manager with thousands of notices --------------------------------------


def inbox_pages(ctx: BenchContext, n: int) -> list[Target]:
    inbox.ready(ctx.user)
    return [reverse("inbox")] * n


def inbox_line_pages(ctx: BenchContext, n: int) -> list[Target]:
    """The biggest line of the inbox opened (its htmx partial: the first 50 notices)."""
    inbox.ready(ctx.user)
    kind, day = inbox.biggest_line(ctx.user)
    return [Htmx(reverse("inbox_group", args=[kind, day.isoformat()]))] * n


CASES += [
    Case(
        f"inbox ({inbox.INBOX_NOTICES:,} notices)",
        inbox_pages,
        user=EVERY_TEAM_MANAGER,
        prepare=_every_team_manager,
    ),
    Case("inbox line opened", inbox_line_pages, user=EVERY_TEAM_MANAGER, prepare=_every_team_manager),
]
# The audit page over ten million access log rows (benchmark/audit_log.py).
CASES += [Case(name, pages, user=user, prepare=audit_log.ready) for name, pages, user in audit_log.CASES]


# ---- runner ---------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    user: str | None
    requests: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    queries_min: int
    queries_max: int
    statuses: dict[str, int] = field(default_factory=dict)
    error: str = ""

    @property
    def queries(self) -> str:
        if self.error:
            return "-"
        if self.queries_min == self.queries_max:
            return str(self.queries_min)
        return f"{self.queries_min}-{self.queries_max}"


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: a value that was actually measured."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def _measure(client: Client, target: Target, *, count: bool = False) -> tuple[float, str, int]:
    """(milliseconds, status, queries) of one request or job run; queries only when `count`
    (capturing wraps every cursor and would tax the timing, so it is a pass of its own)."""
    if isinstance(target, JobRun):
        with transaction.atomic():
            target.prepare()
            elapsed, queries = _timed(target.job, count)
            transaction.set_rollback(True)
        return elapsed, "ok", queries
    if callable(target):
        elapsed, queries = _timed(target, count)
        return elapsed, "ok", queries
    response = None

    def get():
        nonlocal response
        headers = {"HX-Request": "true"} if isinstance(target, Htmx) else {}
        response = client.get(target, secure=True, headers=headers)

    elapsed, queries = _timed(get, count)
    return elapsed, str(response.status_code), queries


def _timed(run: Callable[[], object], count: bool) -> tuple[float, int]:
    if count:
        with CaptureQueriesContext(connection) as captured:
            run()
        return 0.0, len(captured.captured_queries)
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000, 0


def signed_in(user) -> Client:
    """A client past both steps of sign-in: the bench times pages, not signing in. Whoever must
    use two-factor gets an authenticator (the bench's own database only) and a verified session,
    as a real one has after its code."""
    client = Client()
    client.force_login(user)
    if step_owed(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def run_case(case: Case, *, requests: int, warmup: int, seed: int) -> Result:
    if case.runs is not None:
        requests, warmup = case.runs, min(warmup, 1)
    if case.prepare is not None:
        case.prepare()
    user = None
    if case.user:
        user = get_user_model().objects.get(username=case.user)
    client = signed_in(user) if user is not None else Client()
    targets = case.targets(BenchContext(user=user, rng=random.Random(seed)), warmup + requests)  # noqa: S311  # nosec B311  # seeded made-up data, not a secret
    for target in targets[:warmup]:
        _measure(client, target)
    measured = targets[warmup:]
    timings, statuses = [], {}
    for target in measured:
        elapsed, status, _ = _measure(client, target)
        timings.append(elapsed)
        statuses[status] = statuses.get(status, 0) + 1
    counts = [_measure(client, target, count=True)[2] for target in measured[: case.counted_runs]]
    return Result(
        name=case.name,
        user=case.user,
        requests=len(timings),
        p50_ms=round(statistics.median(timings), 1),
        p95_ms=round(percentile(timings, 95), 1),
        max_ms=round(max(timings), 1),
        queries_min=min(counts),
        queries_max=max(counts),
        statuses=statuses,
    )


def run(
    *, names: list[str] | None = None, requests: int = 50, warmup: int = 5, seed: int = 1
) -> list[Result]:
    cases = [c for c in CASES if not names or c.name in names]
    results = []
    # Production-like: no debug (no query log, no debug pages), HTTPS requests as behind TLS.
    with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        for case in cases:
            try:
                results.append(run_case(case, requests=requests, warmup=warmup, seed=seed))
            except Exception as error:  # one broken case must not hide the others' numbers
                results.append(
                    Result(case.name, case.user, 0, 0, 0, 0, 0, 0, error=f"{type(error).__name__}: {error}")
                )
    return results


def table(results: list[Result]) -> str:
    header = ("case", "user", "requests", "p50 ms", "p95 ms", "max ms", "queries/request", "status")
    rows = [header]
    for r in results:
        status = r.error or ", ".join(f"{code}: {n}" for code, n in sorted(r.statuses.items()))
        rows.append(
            (
                r.name,
                r.user or "anonymous",
                str(r.requests),
                f"{r.p50_ms:.1f}",
                f"{r.p95_ms:.1f}",
                f"{r.max_ms:.1f}",
                r.queries,
                status,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    numeric = {2, 3, 4, 5, 6}
    lines = []
    for n, row in enumerate(rows):
        cells = [
            cell.rjust(w) if i in numeric else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def environment() -> dict:
    return {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": f"{connection.vendor}:{connection.settings_dict.get('NAME')}",
        "patients": Patient.objects.count(),
        "tasks": Task.objects.count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


def write_json(results: list[Result], path: Path, *, env: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {**env, "cases": [{**asdict(r), "queries": r.queries} for r in results]}
    path.write_text(json.dumps(payload, indent=2) + "\n")
