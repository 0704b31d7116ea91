"""After the load test (`manage.py loadtest_check`): no update lost.

The locustfile logs every change the server accepted: task, verb, the version the task must have
after it, who, when; a note with its own text. For each:
- a state change: the task's history holds that version, with the status it led to, saved by
  that user; and the task's status changes on its timeline by the load test's users since it
  started are exactly the logged ones, in order;
- a note: its timeline row, by that user, with that text.
And every touched task's version equals the number of its history rows (each save is one change,
creation included) and is at least the last version the log gave it."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model

from bulksql import id_set
from tasks.choices import ActivityKind
from tasks.models import Activity, Task


@dataclass
class Check:
    actions: int = 0
    changes: int = 0
    notes: int = 0
    tasks: int = 0
    lost: list[str] = field(default_factory=list)
    inconsistent: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.actions > 0 and not self.lost and not self.inconsistent


def read_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def check(entries: list[dict]) -> Check:
    result = Check(actions=len(entries))
    if not entries:
        return result
    by_task: dict[int, list[dict]] = defaultdict(list)
    for entry in entries:
        by_task[entry["task"]].append(entry)
    result.tasks = len(by_task)
    users = dict(
        get_user_model()
        .objects.filter(username__in={e["user"] for e in entries})
        .values_list("username", "pk")
    )
    ids = id_set(by_task)
    tasks = Task.objects.filter(pk__in=ids).in_bulk()
    # The load test's own rows: from a minute before its first logged change (logged after commit).
    since = dt.datetime.fromtimestamp(min(e["at"] for e in entries) - 60, tz=dt.UTC)
    history: dict[int, dict[int, tuple[str, int | None]]] = defaultdict(dict)
    history_rows: dict[int, int] = defaultdict(int)
    for pk, version, status, user_id in Task.history.filter(id__in=ids).values_list(
        "id", "version", "status", "history_user_id"
    ):
        history[pk][version] = (status, user_id)
        history_rows[pk] += 1
    timeline: dict[int, list[tuple[str, str, int | None, str]]] = defaultdict(list)
    for pk, kind, to_status, actor, body in (
        Activity.objects.filter(task_id__in=ids, actor_id__in=set(users.values()), created_at__gte=since)
        .filter(kind__in=(ActivityKind.STATUS_CHANGE, ActivityKind.NOTE))
        .order_by("created_at", "pk")
        .values_list("task_id", "kind", "to_status", "actor_id", "body")
    ):
        timeline[pk].append((kind, to_status, actor, body))

    for pk, logged in sorted(by_task.items()):
        task = tasks.get(pk)
        if task is None:
            result.lost.append(f"task {pk}: gone")
            continue
        changes = [e for e in logged if e["verb"] != "note"]
        notes = [e for e in logged if e["verb"] == "note"]
        result.changes += len(changes)
        result.notes += len(notes)
        for entry in changes:
            saved = history[pk].get(entry["version"])
            if saved != (entry["status"], users.get(entry["user"])):
                result.lost.append(
                    f"task {pk}: {entry['verb']} to version {entry['version']} not in its history"
                )
        status_rows = [
            (to, actor) for kind, to, actor, _ in timeline[pk] if kind == ActivityKind.STATUS_CHANGE
        ]
        wanted = [(e["status"], users.get(e["user"])) for e in sorted(changes, key=lambda e: e["version"])]
        if status_rows != wanted:
            result.lost.append(
                f"task {pk}: {len(status_rows)} status changes on its timeline, {len(wanted)} logged (or not in order)"
            )
        note_rows = {(actor, body) for kind, _, actor, body in timeline[pk] if kind == ActivityKind.NOTE}
        for entry in notes:
            if (users.get(entry["user"]), entry["body"]) not in note_rows:
                result.lost.append(f"task {pk}: note {entry['body']!r} not on its timeline")
        if task.version != history_rows[pk]:
            result.inconsistent.append(f"task {pk}: version {task.version}, {history_rows[pk]} history rows")
        if changes and task.version < max(e["version"] for e in changes):
            result.inconsistent.append(f"task {pk}: version {task.version} behind the log")
    return result
