"""Escalation, the set-based system action: raise many overdue tasks a level at once, each
with its timeline row and history row, in a fixed number of statements. notifications decides
which tasks and who hears of it (its escalation policies); this writes the tasks' side.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Value
from django.utils import timezone

from bulksql import history_rows, id_set, insert_select, update_returning
from tasks.choices import OPEN_STATUSES, ActivityKind
from tasks.models import Activity, Task


def escalate_tasks(tasks, *, level: int, reason, now: datetime.datetime | None = None) -> list[int]:
    """Raise the open tasks of `tasks` that are below `level` to it, each with an escalation
    Activity and a history row, by the system. One conditional UPDATE claims the rows (a task
    already at `level` is left alone, so a second run, a retry or a second beat raises nothing
    twice), then one INSERT ... SELECT each writes the Activities and the history: three
    statements whatever the number of tasks. Returns the ids raised. `reason` is a text, or an
    expression over the task giving each its own (under 100 characters).

    The version stays: no form a person has open conflicts with an escalation, and the actions
    save the row they lock and re-read, so none of them undoes it."""
    now = now or timezone.now()
    if tasks.query.count_active_tables() > 1:
        # An UPDATE over joins becomes "id IN (subquery)"; keep the claim's own conditions on
        # the row itself, where the database checks them again once the row is locked.
        tasks = Task.objects.filter(pk__in=tasks.values("pk"))
    with transaction.atomic():
        raised = update_returning(
            tasks.filter(status__in=OPEN_STATUSES, escalation_level__lt=level),
            escalation_level=level,
            updated_at=now,
        )
        if not raised:
            return []
        rows = Task.objects.filter(pk__in=id_set(raised))
        why = Value(reason) if isinstance(reason, str) else reason
        insert_select(
            Activity,
            [
                "task",
                "patient",
                "care_team",
                "kind",
                "from_status",
                "to_status",
                "contact_outcome",
                "body",
                "created_at",
            ],
            rows.values_list(
                "pk",
                "patient_id",
                "care_team_id",
                Value(ActivityKind.ESCALATION.value),
                Value(""),
                Value(""),
                Value(""),
                why,
                Value(now),
            ),
        )
        history, columns, values = history_rows(rows, when=now, reason=reason, history_type="~")
        insert_select(history, columns, values)
    return raised
