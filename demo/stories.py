"""What happens to each demo task, decided when it appears: where it ends up by today, and the
steps (start, wait, resume, complete, cancel, reopen, reassign, reschedule, note, contact attempt) that get
it there, each on a day and at a point of that day. demo.load performs each step through the
action of that name, at its moment, by the person who would do it.

Pure planning: no database, one random.Random, so a seed gives the same practice.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass

from demo.practice import STATUS_MIX, weighted
from tasks.choices import Status, TaskKind

# The scale practice's mix, but a demo opened today shows a handful of overdue tasks per person,
# mostly days late: work due weeks ago is nearly all closed.
DEMO_STATUS_MIX = {
    **STATUS_MIX,
    "recent": (
        (Status.COMPLETED, 72),
        (Status.CANCELLED, 5),
        (Status.NEW, 8),
        (Status.IN_PROGRESS, 8),
        (Status.WAITING, 7),
    ),
    "month": (
        (Status.COMPLETED, 92),
        (Status.CANCELLED, 6),
        (Status.NEW, 0.7),
        (Status.IN_PROGRESS, 0.7),
        (Status.WAITING, 0.6),
    ),
    "old": ((Status.COMPLETED, 93), (Status.CANCELLED, 7)),
}
_MIXES = {bucket: weighted(pairs) for bucket, pairs in DEMO_STATUS_MIX.items()}
# Which wait a task of this kind tends to be in, unless its ad-hoc kind says otherwise.
WAIT_REASON = {
    TaskKind.LAB: "lab_result",
    TaskKind.SCREENING: "lab_result",
    TaskKind.REFERRAL: "referral_response",
}
CALLS = (TaskKind.OUTREACH_CALL, TaskKind.CHECK_IN, TaskKind.SCHEDULING)
CLOSING = ("complete", "cancel")


@dataclass(frozen=True)
class Step:
    day: dt.date
    at: float  # fraction of the working day, so a task's steps on one day keep their order
    verb: str
    wait_reason: str = ""
    contact_outcome: str = ""


def _bucket(delta: int) -> str:
    if delta > 0:
        return "future"
    if delta == 0:
        return "today"
    if delta >= -14:
        return "recent"
    return "month" if delta >= -60 else "old"


def _path(rng: random.Random, final: str, delta: int) -> list[str]:
    """The status changes from New to `final`, sometimes the long way round."""
    roll = rng.random()
    if final == Status.IN_PROGRESS:
        if delta < -3 and roll < 0.08:
            return ["start", "complete", "reopen"]  # a manager reopens what was closed too early
        return ["start", "wait", "resume"] if roll < 0.25 else ["start"]
    if final == Status.WAITING:
        return ["wait"] if roll < 0.4 else ["start", "wait"]
    if final == Status.COMPLETED:
        if roll < 0.2:
            return ["start", "wait", "resume", "complete"]
        return ["complete"] if roll < 0.45 else ["start", "complete"]
    if final == Status.CANCELLED:
        return ["start", "cancel"] if roll < 0.3 else ["cancel"]
    return []


def _day_between(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return lo if hi <= lo else lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))


def plan_story(
    rng: random.Random,
    *,
    due: dt.date,
    kind: str,
    today: dt.date,
    first_day: dt.date,
    after: float = 0.0,
    wait_reason: str | None = None,
) -> list[Step]:
    """The steps of a task due on `due`, from `first_day` (after the point `after` of that day,
    when it was created) to today."""
    if first_day > today:
        return []
    delta = (due - today).days
    final = pick(rng, _MIXES[_bucket(delta)])
    if final in (Status.COMPLETED, Status.CANCELLED):
        close = (
            due + dt.timedelta(days=rng.randint(-4, 3)) if delta <= 0 else _day_between(rng, first_day, today)
        )
        close = min(max(close, first_day), today)
    else:
        close = today
    path = _path(rng, final, delta)
    days = sorted(_day_between(rng, first_day, close) for _ in path)
    if days and path[-1] in CLOSING:
        days[-1] = close
    wait = wait_reason or WAIT_REASON.get(kind, "patient_callback")

    planned: list[tuple[dt.date, int, str, str]] = []  # (day, order on that day, verb, contact outcome)
    for day, verb in zip(days, path, strict=True):
        if kind in CALLS and verb in ("wait", "complete"):
            for _ in range(rng.choice((0, 0, 1, 2))):
                planned.append((day, 1, "contact", rng.choice(("no_answer", "left_message"))))
            if verb == "complete":
                planned.append((day, 1, "contact", "reached"))
        planned.append((day, 2, verb, ""))
    if rng.random() < 0.08:
        # Handed over while still open: before the first status change that could close it.
        planned.append((_day_between(rng, first_day, days[0] if days else close), 0, "reassign", ""))
    if rng.random() < 0.1:
        planned.append((_day_between(rng, first_day, close), 0, "note", ""))
    if rng.random() < 0.08:
        # Pushed back a few days while still open.
        planned.append((_day_between(rng, first_day, days[0] if days else close), 0, "reschedule", ""))
    planned.sort(key=lambda p: (p[0], p[1]))

    steps = []
    for day in sorted({p[0] for p in planned}):
        on_day = [p for p in planned if p[0] == day]
        lo = after if day == first_day else 0.0
        points = sorted(lo + (1 - lo) * rng.random() for _ in on_day)
        for (_, _, verb, outcome), at in zip(on_day, points, strict=True):
            steps.append(Step(day, at, verb, wait if verb == "wait" else "", outcome))
    return steps


def pick(rng: random.Random, mix) -> object:
    values, cumulative = mix
    return values[bisect.bisect_left(cumulative, rng.random())]
