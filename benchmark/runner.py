"""The benchmark's runner: what a case is, how one is timed and its queries counted, and the
report. The cases themselves are in benchmark/bench.py and the modules it gathers."""

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

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.twofactor import step_owed
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
    # A page's own SQL run bare (see sql_floor): p50, and the page's p50 over it.
    sql_p50_ms: float | None = None

    @property
    def ratio(self) -> float | None:
        if not self.sql_p50_ms:
            return None
        return round(self.p50_ms / self.sql_p50_ms, 2)

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


def _measure(client: Client, target: Target, *, count: bool = False) -> tuple[float, str, list[str]]:
    """(milliseconds, status, statements) of one request or job run; the SQL statements it ran
    only when `count` (capturing wraps every cursor and would tax the timing, so it is a pass of
    its own)."""
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


def _timed(run: Callable[[], object], count: bool) -> tuple[float, list[str]]:
    if count:
        with CaptureQueriesContext(connection) as captured:
            run()
        return 0.0, [q["sql"] for q in captured.captured_queries]
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000, []


# The request's own transaction control (a view's atomic block: BEGIN or SAVEPOINT and their
# ends) is not replayed: the replay has its own transaction, and SQLite refuses a BEGIN inside one.
TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "COMMIT")


def sql_floor(statements: list[str]) -> float:
    """Milliseconds to run one request's SQL statements (session, user and rights included)
    through a bare cursor, every row fetched: the time the database needs, without Django
    building querysets, models, the template and the response. Timed as a request is. In a
    transaction rolled back after: the access log rows and session saves are not written twice.
    A request without SQL (the login page) has none: 0, not the time of opening a cursor."""
    statements = [sql for sql in statements if not sql.lstrip().upper().startswith(TRANSACTION_CONTROL)]
    if not statements:
        return 0.0
    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
        elapsed = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    return elapsed


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
    captured = [_measure(client, target, count=True)[2] for target in measured[: case.counted_runs]]
    counts = [len(statements) for statements in captured]
    floor = None
    if all(isinstance(target, str) for target in measured):  # pages: each measured request's own SQL
        floor = round(statistics.median(sql_floor(statements) for statements in captured), 1)
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
        sql_p50_ms=floor,
    )


def run(
    cases: list[Case], *, names: list[str] | None = None, requests: int = 50, warmup: int = 5, seed: int = 1
) -> list[Result]:
    cases = [c for c in cases if not names or c.name in names]
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
    header = (
        *("case", "user", "requests", "p50 ms", "SQL p50 ms", "ratio", "p95 ms", "max ms"),
        *("queries/request", "status"),
    )
    rows = [header]
    for r in results:
        status = r.error or ", ".join(f"{code}: {n}" for code, n in sorted(r.statuses.items()))
        rows.append(
            (
                r.name,
                r.user or "anonymous",
                str(r.requests),
                f"{r.p50_ms:.1f}",
                "-" if r.sql_p50_ms is None else f"{r.sql_p50_ms:.1f}",
                "-" if r.ratio is None else f"{r.ratio:.2f}x",
                f"{r.p95_ms:.1f}",
                f"{r.max_ms:.1f}",
                r.queries,
                status,
            )
        )
    return aligned(rows, lambda n, row: {2, 3, 4, 5, 6, 7, 8})


def aligned(rows: list[tuple[str, ...]], numeric: Callable[[int, tuple[str, ...]], set[int]]) -> str:
    """A plain-text table: the first row is the header, underlined; a cell is right-aligned when
    its column is in `numeric(line number, row)`, left-aligned otherwise."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        right = numeric(n, row)
        cells = [
            cell.rjust(w) if i in right else cell.ljust(w)
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
    payload = {**env, "cases": [{**asdict(r), "queries": r.queries, "ratio": r.ratio} for r in results]}
    path.write_text(json.dumps(payload, indent=2) + "\n")
