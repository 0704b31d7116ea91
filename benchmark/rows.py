"""Rows of the scale practice before they are written: one Table per model, with explicit ids
(so history and timeline rows can point at rows not yet written), and a task as create_task
leaves it. Plain tuples and lists: millions of them are built.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import AutoField, BigAutoField, Max, SmallAutoField

from accounts.roles import Role
from careplans.models import Appointment, CarePlan, Enrollment, Goal, Patient
from tasks.choices import Priority, WaitingReason
from tasks.models import Task


def columns(names: str) -> tuple[str, ...]:
    return tuple(names.split())


# Plain strings: psycopg dumps an Enum member by name, and these are stored by value.
NEW, IN_PROGRESS, WAITING, COMPLETED, CANCELLED = "new", "in_progress", "waiting", "completed", "cancelled"
CREATED, STATUS_CHANGE, REASSIGNMENT = "created", "status_change", "reassignment"
PR, C, MA, FD = (str(r) for r in (Role.PROVIDER, Role.COORDINATOR, Role.MEDICAL_ASSISTANT, Role.FRONT_DESK))
WAIT_LABELS = {str(value): str(label) for value, label in WaitingReason.choices}
HIGH = int(Priority.HIGH)

TASK_COLUMNS = columns(
    "id patient_id care_plan_id template_task_id occurrence title kind owner_id care_team_id "
    "due_on status priority waiting_reason waiting_until outcome completed_at completed_by_id "
    "depends_on_id previous_occurrence_id recurrence_days recurrence_ends_on escalation_level "
    "version created_at created_by_id updated_at"
)
HISTORY_META = ("history_date", "history_change_reason", "history_type", "history_user_id")
ACTIVITY_COLUMNS = columns(
    "task_id patient_id care_team_id kind actor_id from_status to_status from_status_since "
    "from_owner_id to_owner_id contact_outcome body created_at"
)


# Column types a binary COPY can send as they are (PostgreSQL type names).
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
