"""What `--force` deletes before a practice is loaded again: patients and everything hanging off
them (plans, tasks, timelines, history, notices, access log, dashboard snapshots). Staff, teams,
programs and templates stay: the loaders find and reuse them."""

from __future__ import annotations

from django.db import connection

from careplans.models import (
    Appointment,
    CarePlan,
    Enrollment,
    Goal,
    Patient,
    PatientAccessLog,
    PatientUserObjectPermission,
)
from ccm.models import ClosedMonth, Consent, PlanChecklist, RunningTimer, TimeEntry
from dashboards.models import FlowDay, FlowDayTaken, FlowExit, MetricSnapshot, SnapshotDay, TeamSnapshot
from notifications.models import Notification
from tasks.models import Activity, Task

# Children first: SQLite checks foreign keys at commit, and deletes in this order.
PRACTICE_MODELS = (
    RunningTimer,
    PlanChecklist,
    TimeEntry,
    Consent,
    ClosedMonth,
    Notification,
    MetricSnapshot,
    TeamSnapshot,
    SnapshotDay,
    FlowDay,
    FlowExit,
    FlowDayTaken,
    PatientAccessLog,
    Activity,
    Task,
    Goal,
    CarePlan,
    Enrollment,
    Appointment,
    PatientUserObjectPermission,
    Patient,
)


def practice_tables() -> list[str]:
    """The practice's tables and their history tables."""
    tables = []
    for model in PRACTICE_MODELS:
        tables.append(model._meta.db_table)
        if hasattr(model, "history"):
            tables.append(model.history.model._meta.db_table)
    return tables


def wipe() -> None:
    qn = connection.ops.quote_name
    tables = practice_tables()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(qn(t) for t in tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {qn(table)}")  # noqa: S608  # nosec B608  # table names from the models' metadata
