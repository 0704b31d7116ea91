"""Putting the scale practice's rows in the database: INSERTs on any database, COPY from worker
threads on PostgreSQL, where the timeline of a one-step task is also written set-based from the
task rows themselves (PLAIN_TASK): the rows benchmark.stories would write, computed in SQL.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

import psycopg
from django.db import connection

from benchmark.rows import HISTORY_META, ID_MODELS, TASK_COLUMNS, WAIT_LABELS, Table
from demo.practice import WAIT_NOTES
from tasks.models import Activity, Task


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
            sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608  # nosec B608  # identifiers from the models' metadata, values bound as parameters
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

    Not `parallel` (a small practice, or a role that cannot skip foreign-key triggers): one worker on
    Django's connection, inside the caller's transaction; the caller stays off the connection
    until close(). `parallel`: a writer connection COPYs each batch and commits it, then two
    narrator connections write the history and the activities of that committed batch. Three
    backends share what one backend cannot do in time on two cores; the price is that a failed
    load leaves committed batches behind (seed() then refuses to reuse them without --force)."""

    narrates_plain_tasks = True

    def __init__(self, *, parallel: bool):
        narration = _narration_sql()
        if not parallel:
            connection.ensure_connection()
            _bulk_session(connection.connection, ID_MODELS, lock=True)
            self.writer = _Worker(connection.connection, self._write_batch, statements=narration.statements)
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
            f"INSERT INTO {history} SELECT {created_row}, t.created_at, 'created', '+', t.created_by_id "  # noqa: S608  # nosec B608  # identifiers from the models' metadata, values bound as parameters
            f"FROM {tasks} ORDER BY t.id",
            "history",
        ),
        (
            f"INSERT INTO {history} SELECT {current_row}, t.updated_at, "  # noqa: S608  # nosec B608  # identifiers from the models' metadata, values bound as parameters
            f"COALESCE(NULLIF(left({body}, 100), ''), 'start'), '~', t.owner_id "
            f"FROM {tasks} AND t.status <> 'new' ORDER BY t.id",
            "history",
        ),
        (
            f"INSERT INTO {activity} SELECT t.id, t.patient_id, t.care_team_id, 'created', t.created_by_id, "  # noqa: S608  # nosec B608  # identifiers from the models' metadata, values bound as parameters
            f"'', 'new', NULL, NULL, t.owner_id, '', '', t.created_at FROM {tasks} ORDER BY t.id",
            "activities",
        ),
        (
            f"INSERT INTO {activity} SELECT t.id, t.patient_id, t.care_team_id, 'status_change', t.owner_id, "  # noqa: S608  # nosec B608  # identifiers from the models' metadata, values bound as parameters
            f"'new', t.status, t.created_at, NULL, NULL, '', {body}, t.updated_at "
            f"FROM {tasks} AND t.status <> 'new' ORDER BY t.id",
            "activities",
        ),
    ]
    return _Narration(statements, params)
