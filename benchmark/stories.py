"""Telling each scale task's story as tasks.actions would have written it.

Tasks are never saved one by one, and nothing here assigns `.status` or `.owner` on a Task: a
task is *played* from a list of steps (created, at most a reassignment, then the one status
change its final status implies), and every step that would have been a save in tasks.actions
writes the same Activity and history row the action writes. The Task row that lands is the state
after the last step. On PostgreSQL the timeline of a one-step task is written set-based from the
task rows themselves (benchmark.sinks.PLAIN_TASK): the same rows this narration would write,
without millions of them crossing the wire.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random

from benchmark.rows import (
    ACTIVITY_COLUMNS,
    CANCELLED,
    COMPLETED,
    CREATED,
    IN_PROGRESS,
    MA,
    NEW,
    REASSIGNMENT,
    STATUS_CHANGE,
    TASK_COLUMNS,
    WAIT_LABELS,
    WAITING,
    C,
    Table,
    history_table,
)
from demo.practice import CANCEL_REASONS, OUTCOMES, REASSIGN_REASONS, STATUS_MIX, WAIT_NOTES, weighted
from tasks.models import Activity, Task

# Positions in TASK_COLUMNS.
(_ID, _PATIENT, _PLAN, _STEP, _OCC, _TITLE, _KIND, _OWNER, _TEAM, _DUE, _STATUS, _PRIORITY) = range(12)
(_WREASON, _WUNTIL, _OUTCOME, _DONE_AT, _DONE_BY, _DEP, _PREV, _EVERY, _UNTIL, _ESC, _VERSION) = range(12, 23)
_CREATED_AT, _CREATED_BY, _UPDATED_AT = 23, 24, 25  # updated_at last: history rows are task[:-1]


def new_task(
    tid,
    pid,
    team_id,
    title,
    kind,
    owner,
    due,
    priority,
    created_at,
    created_by,
    *,
    plan=None,
    step=None,
    occurrence=1,
    depends_on=None,
    previous=None,
    every=None,
) -> list:
    """A task as create_task leaves it: New, version 1, nothing waiting or done (TASK_COLUMNS order)."""
    what = [tid, pid, plan, step, occurrence, title, kind, owner, team_id, due]
    state = [NEW, priority, "", None, "", None, None]
    links = [depends_on, previous, every, None, 0, 1, created_at, created_by, created_at]
    return what + state + links


_OUTCOMES = {str(kind): texts for kind, texts in OUTCOMES.items()}
_WAIT_REASON = {"lab": "lab_result", "referral": "referral_response", "screening": "lab_result"}
# Plain strings: an Enum member hashes by name, and these meet plain strings in sets and rows.
_MIXES = {bucket: weighted([(str(v), w) for v, w in pairs]) for bucket, pairs in STATUS_MIX.items()}


# ---- telling each task's story -------------------------------------------------------------


class TaskNarrator:
    """Plays each task's story and writes what tasks.actions would have: the task row in its
    final state, one HistoricalTask row per save and one Activity per event."""

    def __init__(self, *, rng: random.Random, now: dt.datetime, narrate_plain: bool):
        self.rng = rng
        self.now = now
        self.tz = now.tzinfo
        self.today = now.date()
        # False when the sink narrates one-step tasks itself, set-based (see PLAIN_TASK).
        self.narrate_plain = narrate_plain
        self.tasks = Table(Task, TASK_COLUMNS)
        self.history = history_table(Task, TASK_COLUMNS[:-1])
        self.activities = Table(Activity, ACTIVITY_COLUMNS)
        self.random = rng.random  # randint/choice below: random.Random's are slow for millions
        self._roles: dict[int, str | None] = {}

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def pick(self, mix):
        values, cumulative = mix
        return values[bisect.bisect_left(cumulative, self.random())]

    def moment(self, day: dt.date, after: dt.datetime | None = None) -> dt.datetime:
        """A working-hours time on `day`, later than `after`, never later than now."""
        minute = 480 + int(self.random() * 600)
        t = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=self.tz)
        if after is not None and t <= after:
            t = after + dt.timedelta(minutes=self.randint(3, 90))
        if t >= self.now:
            base = after or (self.now - dt.timedelta(hours=2))
            t = base + (self.now - base) * (0.3 + 0.5 * self.random())
        return t

    def day_between(self, lo: dt.date, hi: dt.date) -> dt.date:
        span = (hi - lo).days
        return lo if span <= 0 else lo + dt.timedelta(days=int(self.random() * (span + 1)))

    def play(self, task: list, team, wait_reason: str | None = None) -> None:
        """Decide where the task ends up, then write every step that got it there."""
        random, today = self.random, self.today
        due = task[_DUE]
        delta = (due - today).days
        if delta > 0:
            bucket = "future"
        elif delta == 0:
            bucket = "today"
        elif delta >= -14:
            bucket = "recent"
        elif delta >= -60:
            bucket = "month"
        else:
            bucket = "old"
        final = self.pick(_MIXES[bucket])
        created_day = task[_CREATED_AT].date()  # made in the practice's time zone
        if final in (COMPLETED, CANCELLED):
            close = (
                due + dt.timedelta(days=self.randint(-4, 3))
                if delta <= 0
                else self.day_between(created_day, today)
            )
            close = min(max(close, created_day), today)
        else:
            close = today
        owner = task[_OWNER]
        steps = []  # (day, verb, (actor, ...))

        others = self._colleagues(team, owner) if random() < 0.02 else None
        if others:
            new_owner = self.choice(others)
            # By the owner when their role may hand over their own work (tasks.rights.can_reassign:
            # coordinators and assistants), else by a manager of the team.
            # The team's first manager, not a draw: the draws stay those of the 1M practice
            # the README's figures were measured on.
            if random() < 0.5 or not team.managers:
                actor = owner if self._roles[owner] in (C, MA) or not team.managers else team.managers[0]
            else:
                actor = self.choice(team.managers)
            steps.append((self.day_between(created_day, close), "reassign", (actor, new_owner)))
            owner = new_owner

        if final != NEW:
            day = self.day_between(created_day, close)
            if final in (COMPLETED, CANCELLED):
                day = close
            wait = wait_reason or _WAIT_REASON.get(task[_KIND], "patient_callback")
            steps.append((day, final, (owner, wait)))
        self._write(task, steps, team)

    def _colleagues(self, team, owner: int) -> list[int]:
        """Who could take the task over: same role; coordinators and assistants cover for each other."""
        if owner not in self._roles:
            self._roles[owner] = next((r for r, ids in team.members.items() if owner in ids), None)
        role = self._roles[owner]
        others = [u for u in team.members.get(role, ()) if u != owner]
        if not others and role in (C, MA):
            others = [u for r in (C, MA) for u in team.members.get(r, ()) if u != owner]
        return others

    def _write(self, task: list, steps, team) -> None:
        """Turn steps into history and Activity rows, exactly as tasks.actions would, and land
        the final state. Each verb mirrors one action: same from/to, body and change reason.

        A one-step story (created, then at most the status change its status implies) is not
        narrated here when the sink narrates such tasks set-based from the rows themselves."""
        if not self.narrate_plain and (not steps or (len(steps) == 1 and steps[0][1] != "reassign")):
            for day, verb, extra in steps:
                at = self.moment(day, task[_CREATED_AT])
                self._transition(task, verb, extra[1], at, day)
                task[_VERSION] += 1
                task[_UPDATED_AT] = at
            self.tasks.rows.append(tuple(task))
            return
        tid, pid, team_id = task[_ID], task[_PATIENT], task[_TEAM]
        history = self.history.rows
        activities = self.activities.rows
        at = task[_CREATED_AT]
        creator = task[_CREATED_BY]
        history.append((*task[:-1], at, "created", "+", creator))
        activities.append(
            (tid, pid, team_id, CREATED, creator, "", NEW, None, None, task[_OWNER], "", "", at)
        )
        entered = at  # when the task entered its current status
        for day, verb, extra in steps:
            at = self.moment(day, at)
            actor = extra[0]
            status = task[_STATUS]
            if verb == "reassign":
                reason = self.choice(REASSIGN_REASONS)
                new_owner = extra[1]
                activities.append(
                    (
                        tid,
                        pid,
                        team_id,
                        REASSIGNMENT,
                        actor,
                        "",
                        "",
                        None,
                        task[_OWNER],
                        new_owner,
                        "",
                        reason,
                        at,
                    )
                )
                task[_OWNER] = new_owner
            else:
                to, reason, name = self._transition(task, verb, extra[1], at, day)
                activities.append(
                    (tid, pid, team_id, STATUS_CHANGE, actor, status, to, entered, None, None, "", reason, at)
                )
                entered = at
                reason = reason or name
            task[_VERSION] += 1
            task[_UPDATED_AT] = at
            history.append((*task[:-1], at, reason[:100], "~", actor))
        self.tasks.rows.append(tuple(task))

    def _transition(self, task: list, to: str, wait_reason: str, at: dt.datetime, day: dt.date):
        """Apply one status change to the row being built, with the same field changes as the
        action that leads to `to` (start, wait, complete, cancel). Returns (new status, reason
        the action records, transition name)."""
        if to == IN_PROGRESS:
            task[_STATUS] = IN_PROGRESS
            return IN_PROGRESS, "", "start"
        if to == WAITING:
            until = day + dt.timedelta(days=self.randint(3, 21))
            note = WAIT_NOTES.get(wait_reason, "")
            task[_STATUS], task[_WREASON], task[_WUNTIL] = WAITING, wait_reason, until
            return WAITING, f"{WAIT_LABELS[wait_reason]} until {until:%m/%d/%Y}: {note}", "wait"
        if to == COMPLETED:
            outcome = self.choice(_OUTCOMES[task[_KIND]])
            task[_STATUS], task[_OUTCOME], task[_DONE_AT] = COMPLETED, outcome, at
            task[_DONE_BY] = task[_OWNER]
            task[_WREASON], task[_WUNTIL] = "", None
            return COMPLETED, outcome, "complete"
        if to == CANCELLED:
            reason = self.choice(CANCEL_REASONS)
            task[_STATUS], task[_OUTCOME] = CANCELLED, reason
            return CANCELLED, reason, "cancel"
        raise ValueError(to)
