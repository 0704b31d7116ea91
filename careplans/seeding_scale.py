"""Writing a seeded practice fast: tables of rows with explicit ids, each task's story told as
tasks.actions would have written it, and the sinks that put rows in the database.

Tasks are never saved one by one, and nothing here assigns `.status` or `.owner` on a Task: a
task is *played* from a list of steps (created, reassigned, started, waiting, completed...), and
every step that would have been a save in tasks.actions writes the same Activity and history row
the action writes. The Task row that lands is the state after the last step.

`rich` stories (the demo) add notes, contact attempts, wait/resume loops, reopenings and
escalations; lean stories (the scale practice) are: created, at most a reassignment, and one
status change. On PostgreSQL rows go through COPY in worker threads, and with lean stories the
timeline of a one-step task is written set-based from the task rows themselves (PLAIN_TASK): the
same rows the Python narration would write, without millions of them crossing the wire.
"""

from __future__ import annotations

import bisect
import datetime as dt
import queue
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import psycopg
from django.db import connection
from django.db.models import AutoField, BigAutoField, Max, SmallAutoField

from accounts.roles import Role
from careplans.models import Appointment, CarePlan, Enrollment, Goal, Patient
from careplans.seeding_demo import (
    CANCEL_REASONS,
    NOTES,
    OUTCOMES,
    REASSIGN_REASONS,
    REOPEN_REASONS,
    STATUS_MIX,
    WAIT_NOTES,
    weighted,
)
from tasks.choices import Priority, WaitingReason
from tasks.models import Activity, Task


def columns(names: str) -> tuple[str, ...]:
    return tuple(names.split())


# Plain strings: psycopg dumps an Enum member by name, and these are stored by value.
NEW, IN_PROGRESS, WAITING, COMPLETED, CANCELLED = "new", "in_progress", "waiting", "completed", "cancelled"
CREATED, NOTE, STATUS_CHANGE, REASSIGNMENT, CONTACT, ESCALATION = (
    "created",
    "note",
    "status_change",
    "reassignment",
    "contact_attempt",
    "escalation",
)
PR, C, MA, FD = (str(r) for r in (Role.PROVIDER, Role.COORDINATOR, Role.MEDICAL_ASSISTANT, Role.FRONT_DESK))
WAIT_LABELS = {str(value): str(label) for value, label in WaitingReason.choices}
_OUTCOMES = {str(kind): texts for kind, texts in OUTCOMES.items()}
HIGH = int(Priority.HIGH)

TASK_COLUMNS = columns(
    "id patient_id care_plan_id template_task_id occurrence title kind owner_id care_team_id "
    "due_on status priority waiting_reason waiting_until outcome completed_at completed_by_id "
    "depends_on_id previous_occurrence_id recurrence_days recurrence_ends_on escalation_level "
    "version created_at created_by_id updated_at"
)
(_ID, _PATIENT, _PLAN, _STEP, _OCC, _TITLE, _KIND, _OWNER, _TEAM, _DUE, _STATUS, _PRIORITY) = range(12)
(_WREASON, _WUNTIL, _OUTCOME, _DONE_AT, _DONE_BY, _DEP, _PREV, _EVERY, _UNTIL, _ESC, _VERSION) = range(12, 23)
_CREATED_AT, _CREATED_BY, _UPDATED_AT = 23, 24, 25  # updated_at last: history rows are task[:-1]
HISTORY_META = ("history_date", "history_change_reason", "history_type", "history_user_id")
ACTIVITY_COLUMNS = columns(
    "task_id patient_id care_team_id kind actor_id from_status to_status from_status_since "
    "from_owner_id to_owner_id contact_outcome body created_at"
)


class Table:
    """Rows for one model's table. Columns the generator does not know take the field default,
    so a column added to a model later does not break the loader."""

    def __init__(self, model, columns: Iterable[str]):
        opts = model._meta
        given = list(columns)
        extra = [
            f
            for f in opts.concrete_fields
            if f.attname not in given and not isinstance(f, AutoField | BigAutoField | SmallAutoField)
        ]
        self.model = model
        self.fields = [opts.get_field(name) for name in given] + extra
        self.tail = tuple(f.get_default() for f in extra)
        self.rows: list[tuple] = []
        self.written = 0

    def drain(self) -> list[tuple]:
        rows, self.rows = self.rows, []
        self.written += len(rows)
        if self.tail:
            rows = [row + self.tail for row in rows]
        return rows

    def column_names(self) -> list[str]:
        return [f.column for f in self.fields]

    def binary_types(self) -> list[str] | None:
        """PostgreSQL type names for a binary COPY (no text formatting here, no parsing there),
        or None to fall back to text for a column type not listed."""
        names = []
        for f in self.fields:
            db_type = (f.db_type(connection) or "").split("(")[0]
            if db_type not in _BINARY_TYPES:
                return None
            names.append(_BINARY_TYPES[db_type])
        return names


def history_table(model, columns: Iterable[str]) -> Table:
    history_model = model.history.model
    own = {f.attname for f in history_model._meta.concrete_fields}
    return Table(history_model, [c for c in columns if c in own] + list(HISTORY_META))


ID_MODELS = (Patient, Enrollment, CarePlan, Goal, Appointment, Task)


class Ids:
    """Explicit primary keys, so history and activity rows can point at rows not yet written.
    The caller holds the tables locked; sequences are reset after the load."""

    def __init__(self):
        self.next = {m: (m.objects.aggregate(top=Max("pk"))["top"] or 0) + 1 for m in ID_MODELS}

    def take(self, model) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


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


_WAIT_REASON = {"lab": "lab_result", "referral": "referral_response", "screening": "lab_result"}
_STATUS_VERBS = frozenset((IN_PROGRESS, WAITING, COMPLETED, CANCELLED))
# Plain strings: an Enum member hashes by name, and these meet plain strings in sets and rows.
_MIXES = {bucket: weighted([(str(v), w) for v, w in pairs]) for bucket, pairs in STATUS_MIX.items()}


# ---- telling each task's story -------------------------------------------------------------


class TaskNarrator:
    """Plays each task's story and writes what tasks.actions would have: the task row in its
    final state, one HistoricalTask row per save and one Activity per event."""

    def __init__(self, *, rng: random.Random, now: dt.datetime, rich: bool, narrate_plain: bool):
        self.rng = rng
        self.now = now
        self.tz = now.tzinfo
        self.today = now.date()
        self.rich = rich
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

    def play(self, task: list, team, risk: str, wait_reason: str | None = None) -> None:
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
        kind = task[_KIND]
        steps = []  # (day, verb, extra)

        others = self._colleagues(team, owner) if random() < (0.08 if self.rich else 0.02) else None
        if others:
            new_owner = self.choice(others)
            actor = owner if random() < 0.5 or not team.managers else self.choice(team.managers)
            steps.append((self.day_between(created_day, close), "reassign", (actor, new_owner)))
            owner = new_owner

        wait = wait_reason or _WAIT_REASON.get(kind, "patient_callback")
        calls = kind in ("outreach_call", "check_in", "scheduling")
        path = self._rich_path(final, delta) if self.rich else ([] if final == NEW else [final])
        days = sorted(self.day_between(created_day, close) for _ in path)
        if final in (COMPLETED, CANCELLED) and days:
            days[-1] = close
        for day, verb in zip(days, path, strict=True):
            if self.rich and calls and verb in ("complete", "wait"):
                for _ in range(self.choice((0, 0, 1, 2))):
                    steps.append((day, "contact", (owner, self.choice(("no_answer", "left_message")))))
                if verb == "complete":
                    steps.append((day, "contact", (owner, "reached")))
            actor = self.choice(team.managers) if verb == "reopen" and team.managers else owner
            steps.append((day, verb, (actor, wait)))
        if self.rich:
            if random() < 0.1:
                steps.append((self.day_between(created_day, close), "note", (owner,)))
                steps.sort(key=lambda s: s[0])
            if (
                final in (NEW, IN_PROGRESS, WAITING)
                and delta < -3
                and (risk == "high" or task[_PRIORITY] >= HIGH)
            ):
                steps.append(
                    (max(due + dt.timedelta(days=3), steps[-1][0] if steps else due), "escalate", (None,))
                )
        self._write(task, steps, team)

    def _rich_path(self, final: str, delta: int) -> list[str]:
        roll = self.random()
        if final == IN_PROGRESS:
            if delta < -3 and roll < 0.08:
                return ["start", "complete", "reopen"]
            return ["start", "wait", "resume"] if roll < 0.25 else ["start"]
        if final == WAITING:
            return ["wait"] if roll < 0.4 else ["start", "wait"]
        if final == COMPLETED:
            if roll < 0.2:
                return ["start", "wait", "resume", "complete"]
            return ["complete"] if roll < 0.45 else ["start", "complete"]
        if final == CANCELLED:
            return ["start", "cancel"] if roll < 0.3 else ["cancel"]
        return []

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
        if not self.narrate_plain and (not steps or (len(steps) == 1 and steps[0][1] in _STATUS_VERBS)):
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
            if verb == "contact":
                activities.append(
                    (tid, pid, team_id, CONTACT, actor, "", "", None, None, None, extra[1], "", at)
                )
                continue
            if verb == "note":
                note = self.choice(NOTES)
                activities.append((tid, pid, team_id, NOTE, actor, "", "", None, None, None, "", note, at))
                continue
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
            elif verb == "escalate":
                task[_ESC] += 1
                reason = "escalation"
                body = f"Overdue since {task[_DUE]:%m/%d}: escalated to the team manager."
                activities.append(
                    (tid, pid, team_id, ESCALATION, None, "", "", None, None, None, "", body, at)
                )
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

    def _transition(self, task: list, verb: str, wait_reason: str, at: dt.datetime, day: dt.date):
        """Apply one status change to the row being built, with the same field changes as the
        action of that name. Returns (new status, reason, transition name)."""
        if verb in ("start", IN_PROGRESS):
            task[_STATUS] = IN_PROGRESS
            return IN_PROGRESS, "", "start"
        if verb == "resume":
            task[_STATUS], task[_WREASON], task[_WUNTIL] = IN_PROGRESS, "", None
            return IN_PROGRESS, "", "resume"
        if verb in ("wait", WAITING):
            until = day + dt.timedelta(days=self.randint(3, 21))
            note = WAIT_NOTES.get(wait_reason, "")
            task[_STATUS], task[_WREASON], task[_WUNTIL] = WAITING, wait_reason, until
            return WAITING, f"{WAIT_LABELS[wait_reason]} until {until:%m/%d/%Y}: {note}", "wait"
        if verb in ("complete", COMPLETED):
            outcome = self.choice(_OUTCOMES[task[_KIND]])
            task[_STATUS], task[_OUTCOME], task[_DONE_AT] = COMPLETED, outcome, at
            task[_DONE_BY] = task[_OWNER]
            task[_WREASON], task[_WUNTIL] = "", None
            return COMPLETED, outcome, "complete"
        if verb in ("cancel", CANCELLED):
            reason = self.choice(CANCEL_REASONS)
            task[_STATUS], task[_OUTCOME] = CANCELLED, reason
            return CANCELLED, reason, "cancel"
        if verb == "reopen":
            reason = self.choice(REOPEN_REASONS)
            task[_STATUS], task[_OUTCOME], task[_DONE_AT], task[_DONE_BY] = IN_PROGRESS, "", None, None
            return IN_PROGRESS, reason, "reopen"
        raise ValueError(verb)


# ---- sinks ----------------------------------------------------------------------------------


class InsertSink:
    """Any database: executemany, values prepared by each field, in the caller's thread."""

    narrates_plain_tasks = False
    narrated_history = narrated_activities = 0
    batch = 2000

    def __init__(self):
        self.cursor = connection.cursor()

    def put(self, tables: list[tuple[Table, list[tuple]]], task_ids: range) -> None:
        qn = connection.ops.quote_name
        for table, rows in tables:
            fields = table.fields
            sql = "INSERT INTO {} ({}) VALUES ({})".format(
                qn(table.model._meta.db_table),
                ", ".join(qn(c) for c in table.column_names()),
                ", ".join(["%s"] * len(fields)),
            )
            prepared = [
                [f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)] for row in rows
            ]
            for start in range(0, len(prepared), self.batch):
                self.cursor.executemany(sql, prepared[start : start + self.batch])

    def close(self) -> None:
        self.cursor.close()


class PostgresSink:
    """COPY from worker threads, so PostgreSQL ingests one batch while Python builds the next;
    the timeline of one-step tasks is written set-based from their rows (PLAIN_TASK).

    Not `parallel` (the demo, or a role that cannot skip foreign-key triggers): one worker on
    Django's connection, inside the caller's transaction; the caller stays off the connection
    until close(). `parallel`: a writer connection COPYs each batch and commits it, then two
    narrator connections write the history and the activities of that committed batch. Three
    backends share what one backend cannot do in time on two cores; the price is that a failed
    load leaves committed batches behind (seed() then refuses to reuse them without --force)."""

    def __init__(self, *, parallel: bool, narrate: bool):
        # Set-based narration is exact for lean stories only: a rich story's single "complete"
        # or a note also leaves version 2, and the loader has narrated those already.
        if parallel and not narrate:
            raise ValueError("The parallel load narrates one-step tasks set-based: lean stories only.")
        self.narrates_plain_tasks = narrate
        narration = _narration_sql()
        if not parallel:
            connection.ensure_connection()
            _bulk_session(connection.connection, ID_MODELS, lock=True)
            statements = narration.statements if narrate else []
            self.writer = _Worker(connection.connection, self._write_batch, statements=statements)
            self.narrators: list[_Worker] = []
        else:
            history = [st for st in narration.statements if st[1] == "history"]
            activities = [st for st in narration.statements if st[1] == "activities"]
            self.narrators = [
                _Worker(_own_connection(), self._narrate_committed, statements=history, queue_size=0),
                _Worker(_own_connection(), self._narrate_committed, statements=activities, queue_size=0),
            ]
            self.writer = _Worker(_own_connection(), self._write_batch, statements=[])
        self.params = narration.params

    @property
    def narrated_history(self) -> int:
        return sum(w.counts.get("history", 0) for w in (self.writer, *self.narrators))

    @property
    def narrated_activities(self) -> int:
        return sum(w.counts.get("activities", 0) for w in (self.writer, *self.narrators))

    def put(self, tables, task_ids: range) -> None:
        self.writer.put((tables, task_ids))

    def close(self) -> None:
        self.writer.finish()
        for worker in self.narrators:
            worker.finish()
        for worker in (self.writer, *self.narrators):
            if worker.own:
                worker.raw.close()
        error = next((w.error for w in (self.writer, *self.narrators) if w.error is not None), None)
        if error is not None:
            raise error

    def _write_batch(self, worker: _Worker, cursor, item) -> None:
        tables, task_ids = item
        for table, rows in tables:
            _copy(cursor, table, rows)
        self._narrate(worker, cursor, task_ids)
        if worker.own:
            worker.raw.commit()
            for narrator in self.narrators:  # the batch is visible to them now
                narrator.put(task_ids)

    def _narrate_committed(self, worker: _Worker, cursor, task_ids: range) -> None:
        self._narrate(worker, cursor, task_ids)
        worker.raw.commit()

    def _narrate(self, worker: _Worker, cursor, task_ids: range) -> None:
        if not task_ids:
            return
        params = {"lo": task_ids.start, "hi": task_ids.stop - 1, **self.params}
        for sql, counter in worker.statements:
            cursor.execute(sql, params)
            worker.counts[counter] = worker.counts.get(counter, 0) + cursor.rowcount


class _Worker:
    """A thread that applies `handle(worker, cursor, item)` to queued items on one connection."""

    def __init__(self, raw, handle, *, statements, queue_size: int = 2):
        self.raw = raw
        self.own = raw is not connection.connection  # else: Django's, in the caller's transaction
        self.handle = handle
        self.statements = statements
        self.counts: dict[str, int] = {}
        self.error: BaseException | None = None
        self.queue: queue.Queue = queue.Queue(maxsize=queue_size)
        self.thread = threading.Thread(target=self._work, name="seed-sink", daemon=True)
        self.thread.start()

    def put(self, item) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(item)

    def finish(self) -> None:
        self.queue.put(None)
        self.thread.join()

    def _work(self) -> None:
        with self.raw.cursor() as cursor:
            while (item := self.queue.get()) is not None:
                if self.error is not None:
                    continue  # keep draining so put() never blocks
                try:
                    self.handle(self, cursor, item)
                except BaseException as error:
                    self.error = error
                    if self.own:
                        self.raw.rollback()


_BINARY_TYPES = {
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "boolean": "bool",
    "date": "date",
    "timestamp with time zone": "timestamptz",
    "varchar": "text",
    "text": "text",
    "uuid": "uuid",
}


def _copy(cursor, table: Table, rows: list[tuple]) -> None:
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in table.column_names())
    types = table.binary_types()
    binary = " (FORMAT BINARY)" if types else ""
    with cursor.copy(f"COPY {qn(table.model._meta.db_table)} ({columns}) FROM STDIN{binary}") as copy:
        if types:
            copy.set_types(types)
        write = copy.write_row
        for row in rows:
            write(row)


def _own_connection():
    raw = psycopg.connect(**connection.get_connection_params())
    _bulk_session(raw, ID_MODELS, lock=False)
    return raw


def can_skip_fk_checks() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return cursor.fetchone()[0]


def _bulk_session(raw, models, *, lock: bool) -> None:
    """Skip the WAL flush wait at commit (a seed can be rerun) and, when allowed, per-row
    foreign-key triggers: the generator only writes ids it made or read, and checking millions
    of rows one by one would be most of a load's time. In one transaction, also lock the tables
    whose ids the loader hands out (it reads max(id) next); the parallel load cannot hold a lock
    across its commits, so it expects nobody else to write patients or tasks meanwhile."""
    qn = connection.ops.quote_name
    scope = "LOCAL " if lock else ""
    with raw.cursor() as cursor:
        cursor.execute(f"SET {scope}synchronous_commit TO OFF")
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        if cursor.fetchone()[0]:
            cursor.execute(f"SET {scope}session_replication_role = replica")
        if lock:
            tables = ", ".join(qn(m._meta.db_table) for m in models)
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
    if not lock:
        raw.commit()


# ---- narrating one-step tasks, set-based ------------------------------------------------------


@dataclass
class _Narration:
    statements: list[tuple[str, str]]
    params: dict


# A task whose version says it was saved once per status change its status implies: created,
# then nothing (New) or one transition straight to its status. The loader narrated every other
# task row by row, so each task is narrated exactly once.
PLAIN_TASK = "t.id BETWEEN %(lo)s AND %(hi)s AND t.version = CASE WHEN t.status = 'new' THEN 1 ELSE 2 END"


def _narration_sql() -> _Narration:
    """What tasks.actions.create_task and then one transition (start, wait, complete, cancel by
    the owner) would have written, computed from the final rows: the same history snapshots,
    change reasons and Activity bodies the loader writes for the tasks it narrates itself."""
    qn = connection.ops.quote_name
    params: dict = {}
    labels, notes = [], []
    for i, (code, label) in enumerate(WAIT_LABELS.items()):
        params[f"wr{i}"], params[f"wl{i}"], params[f"wn{i}"] = code, label, WAIT_NOTES.get(code, "")
        labels.append(f"WHEN %(wr{i})s THEN %(wl{i})s")
        notes.append(f"WHEN %(wr{i})s THEN %(wn{i})s")
    body = (
        "CASE WHEN t.status IN ('completed', 'cancelled') THEN t.outcome "
        f"WHEN t.status = 'waiting' THEN (CASE t.waiting_reason {' '.join(labels)} END) || ' until ' "
        f"|| to_char(t.waiting_until, 'MM/DD/YYYY') || ': ' || (CASE t.waiting_reason {' '.join(notes)} END) "
        "ELSE '' END"
    )
    task_columns = TASK_COLUMNS[:-1]
    as_created = {
        "status": "'new'",
        "waiting_reason": "''",
        "waiting_until": "NULL",
        "outcome": "''",
        "completed_at": "NULL",
        "completed_by_id": "NULL",
        "escalation_level": "0",
        "version": "1",
    }
    created_row = ", ".join(as_created.get(c, f"t.{qn(c)}") for c in task_columns)
    current_row = ", ".join(f"t.{qn(c)}" for c in task_columns)
    history = f"{qn(Task.history.model._meta.db_table)} ({', '.join(qn(c) for c in (*task_columns, *HISTORY_META))})"
    activity = (
        f"{qn(Activity._meta.db_table)} (task_id, patient_id, care_team_id, kind, actor_id, from_status, "
        "to_status, from_status_since, from_owner_id, to_owner_id, contact_outcome, body, created_at)"
    )
    tasks = f"{qn(Task._meta.db_table)} t WHERE {PLAIN_TASK}"
    statements = [
        (
            f"INSERT INTO {history} SELECT {created_row}, t.created_at, 'created', '+', t.created_by_id "
            f"FROM {tasks} ORDER BY t.id",
            "history",
        ),
        (
            f"INSERT INTO {history} SELECT {current_row}, t.updated_at, "
            f"COALESCE(NULLIF(left({body}, 100), ''), 'start'), '~', t.owner_id "
            f"FROM {tasks} AND t.status <> 'new' ORDER BY t.id",
            "history",
        ),
        (
            f"INSERT INTO {activity} SELECT t.id, t.patient_id, t.care_team_id, 'created', t.created_by_id, "
            f"'', 'new', NULL, NULL, t.owner_id, '', '', t.created_at FROM {tasks} ORDER BY t.id",
            "activities",
        ),
        (
            f"INSERT INTO {activity} SELECT t.id, t.patient_id, t.care_team_id, 'status_change', t.owner_id, "
            f"'new', t.status, t.created_at, NULL, NULL, '', {body}, t.updated_at "
            f"FROM {tasks} AND t.status <> 'new' ORDER BY t.id",
            "activities",
        ),
    ]
    return _Narration(statements, params)
