"""Benchmark cases (`manage.py bench`, `make bench`).

A case is a name, the user it runs as, and a callable that picks its targets: URLs the test
client GETs, or zero-argument callables (a job) to run. Add a page or a job by appending a Case
to CASES, or in a module of its own whose CASES list is added at the end of this file. The
runner (timing, counting queries, the report) is benchmark/runner.py. Targets differ from one request to the next (other patients, other tasks of the
user's teams), so the numbers are not one cached row's.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db import connection
from django.urls import reverse

from benchmark import audit_log, ccm, fhir, inbox, runner, users
from benchmark.runner import (  # noqa: F401  # the runner's names, as the command and tests call them
    BenchContext,
    Case,
    Htmx,
    JobRun,
    Result,
    Target,
    _sample,
    environment,
    percentile,
    run_case,
    signed_in,
    table,
    write_json,
)
from benchmark.users import EVERY_TEAM_MANAGER
from benchmark.users import every_team_manager as _every_team_manager
from careplans.models import Patient
from tasks.models import Task


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


def admin_changelist_pages(ctx: BenchContext, n: int) -> list[Target]:
    """The Django admin's task list, 100 rows a page, over the tasks of the coordinator's teams
    (its care team filter): the reference a queue of 100 rows is held to (issue #15)."""
    from django.contrib.auth import get_user_model

    from accounts.scope import team_id_list

    coordinator = get_user_model().objects.get(username="coordinator")
    base = reverse("admin:tasks_task_changelist")
    variants = [f"{base}?{urlencode({'care_team__id__exact': team})}" for team in team_id_list(coordinator)]
    variants += [f"{variants[0]}&p=1", f"{variants[0]}&kind__exact=lab"]
    return [variants[i % len(variants)] for i in range(n)]


CASES: list[Case] = [
    Case("patient page", patient_pages),
    Case("task page", task_pages),
    Case("patient list", patient_list_pages),
    Case("login page", login_pages, user=None),
    Case("my work", my_work_pages),
    Case("team queue (100 rows/page)", team_queue_pages),
    Case(
        "admin task changelist (100 rows)",
        admin_changelist_pages,
        user=users.OPERATOR,
        prepare=users.operator,
    ),
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


# ---- dashboard (its SQL run bare is every page's `SQL p50`: runner.sql_floor) ------------------


FLOW_DAYS = 120  # days of flow rows the bench builds (manage.py flow_days --days 120)


def _dashboard_ready() -> None:
    """The practice as the nightly job and autovacuum leave it: 90 days of snapshots for the
    trend (taken once, from history; idempotent), and the task tables vacuumed, so the
    index-only scans the dashboard relies on are not sent to the heap by dead rows the job cases
    above leave behind (their updates are rolled back)."""
    from django.utils import timezone

    from dashboards import flow_days, services
    from dashboards.models import FlowDayTaken, SnapshotDay

    today = timezone.localdate()
    first = today - dt.timedelta(days=89)
    if SnapshotDay.objects.filter(day__gte=first, day__lte=today).count() < 90:
        services.take_snapshots(first=first, last=today)
    # The flow rows of the closed days, as the job and the backfill leave them (built once: the
    # job cases above roll their changes back).
    yesterday = today - dt.timedelta(days=1)
    first_flow = today - dt.timedelta(days=FLOW_DAYS)
    if FlowDayTaken.objects.filter(day__gte=first_flow, day__lte=yesterday).count() < FLOW_DAYS:
        flow_days.rebuild(first=first_flow, last=yesterday)
    # And today up to now, as the job leaves it every 10 minutes: what the page counts live is
    # what happened since its last run (here: nothing; at a practice, at most ten minutes' work).
    flow_days.rebuild(first=today, last=today)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM (ANALYZE) tasks_task, tasks_activity, careplans_patient, dashboards_flowday, dashboards_flowexit"
            )


def dashboard_pages(ctx: BenchContext, n: int) -> list[Target]:
    _dashboard_ready()
    return [reverse("dashboard")] * n


CASES += [
    Case("dashboard", dashboard_pages, user="manager"),
    Case("dashboard", dashboard_pages, user="coordinator"),
    Case("dashboard", dashboard_pages, user="provider"),
]


# ---- patient search: the header's dropdown and the list, as the practice's director ----------


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
CASES += fhir.CASES  # FHIR R4 $everything (benchmark/fhir.py)
# Chronic care management: 20,000 consented patients and their month of time (benchmark/ccm.py).
CASES += [Case(n, t, user=EVERY_TEAM_MANAGER, runs=r, prepare=ccm.ensure_ccm) for n, t, r in ccm.CASES]


def run(
    *, names: list[str] | None = None, requests: int = 50, warmup: int = 5, seed: int = 1
) -> list[Result]:
    return runner.run(CASES, names=names, requests=requests, warmup=warmup, seed=seed)


# The practice-wide manager: the dashboard, its floors and the team queue (benchmark/practice_wide.py).
from benchmark import practice_wide  # noqa: E402  # its cases reuse the targets above

CASES += practice_wide.CASES
