"""The triggers that keep dashboards_opencount in step with the tasks, in the transaction of the
write, whatever wrote it: an action, a bulk UPDATE, a job, an import, the admin, raw SQL.

A write appends the rows of its change: -1 at the values a task was counted under, +1 at its
new ones (nothing when neither moved). Three tables carry what a task is counted by:
tasks_task (team, owner, type, status, due date, wait), careplans_patient (risk, location,
team, restricted) and careplans_careplan (program). Each trigger reads the other two tables as
they stand, so the rows always sum to the open work as it stands.

PostgreSQL: statement-level triggers with transition tables, one INSERT ... SELECT per statement
however many rows it touched. Before reading the anchor, a trigger locks the counts table (ROW
EXCLUSIVE: writers do not wait for each other), so the nightly rebuild, which locks it
EXCLUSIVE, is never followed by a row clamped to the windows it replaced. SQLite (the
embedded default): row-level triggers; it runs one writer at a time anyway.
"""

from __future__ import annotations

from tasks.choices import OPEN_STATUSES, Status

COUNTS = "dashboards_opencount"
ANCHOR = "dashboards_opencountanchor"
OPEN = "(" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"
WAITING = f"'{Status.WAITING}'"
COLUMNS = (
    "care_team_id, patient_team_id, owner_id, program_id, location_id, risk_level, kind, "
    "due_on, waiting_until, n"
)
KEY = COLUMNS.removesuffix(", n")
NAMES = tuple(COLUMNS.split(", "))


def _clamp(value: str, low: str, high: str, vendor: str) -> str:
    if vendor == "postgresql":
        return f"GREATEST({low}, LEAST({value}, {high}))"
    return f"MAX({low}, MIN({value}, {high}))"


def counted(task: str, patient: str, plan: str, sign: str, vendor: str) -> str:
    """The SELECT list of one task's row in the counts: `task`, `patient` and `plan` are the
    aliases its values are read from, `a` the anchor."""
    due = _clamp(f"{task}.due_on", "a.due_low", "a.due_high", vendor)
    wait = _clamp(f"{task}.waiting_until", "a.wait_low", "a.wait_high", vendor)
    return (
        f"{task}.care_team_id AS care_team_id, {patient}.care_team_id AS patient_team_id, "
        f"{task}.owner_id AS owner_id, {plan}.program_id AS program_id, "
        f"{patient}.location_id AS location_id, {patient}.risk_level AS risk_level, {task}.kind AS kind, "
        f"{due} AS due_on, CASE WHEN {task}.status = {WAITING} THEN {wait} END AS waiting_until, {sign} AS n"
    )


def fresh(vendor: str) -> str:
    """Every open task of a patient who is not restricted, counted from the tasks."""
    return f"""
        SELECT {KEY}, SUM(n) AS n FROM (
            SELECT {counted("t", "p", "cp", "1", vendor)}
            FROM tasks_task t
            JOIN careplans_patient p ON p.id = t.patient_id
            LEFT JOIN careplans_careplan cp ON cp.id = t.care_plan_id
            CROSS JOIN {ANCHOR} a
            WHERE t.status IN {OPEN} AND NOT p.is_restricted
        ) AS counted
        GROUP BY {KEY}"""  # noqa: S608  # nosec B608  # constants only


def rebuild_insert(vendor: str) -> str:
    return f"INSERT INTO {COUNTS} ({COLUMNS}) {fresh(vendor)}"  # nosec B608


def summed(table: str = COUNTS) -> str:
    """The kept counts, one row per values."""
    return f"SELECT {KEY}, SUM(n) AS n FROM {table} GROUP BY {KEY} HAVING SUM(n) <> 0"  # noqa: S608  # nosec B608


def differences(vendor: str) -> str:
    """("kept" or "counted", values..., n) for every row one side has and the other has not."""
    return f"""
        SELECT 'kept', kept.* FROM ({summed()} EXCEPT {fresh(vendor)}) AS kept
        UNION ALL
        SELECT 'counted', counted.* FROM ({fresh(vendor)} EXCEPT {summed()}) AS counted"""  # noqa: S608  # nosec B608


def compact_postgresql() -> str:
    """Rows sharing their values (or summing to nothing) deleted and re-inserted summed, in one
    statement: rows appended meanwhile are not seen, so neither deleted nor summed."""
    return f"""
        WITH shared AS (
            SELECT array_agg(id) AS ids FROM {COUNTS} GROUP BY {KEY} HAVING COUNT(*) > 1 OR SUM(n) = 0
        ),
        gone AS (
            DELETE FROM {COUNTS} WHERE id IN (SELECT unnest(ids) FROM shared) RETURNING {COLUMNS}
        )
        INSERT INTO {COUNTS} ({COLUMNS})
        SELECT {KEY}, SUM(n) FROM gone GROUP BY {KEY} HAVING SUM(n) <> 0"""  # noqa: S608  # nosec B608


# ---- PostgreSQL ------------------------------------------------------------------------------


def _pg_net(branches: list[str]) -> str:
    union = "\n UNION ALL \n".join(branches)
    return f"""
        LOCK TABLE {COUNTS} IN ROW EXCLUSIVE MODE;
        INSERT INTO {COUNTS} ({COLUMNS})
        SELECT {KEY}, SUM(n) FROM ({union}) AS delta
        GROUP BY {KEY} HAVING SUM(n) <> 0;
    """  # noqa: S608  # nosec B608  # constants only


def _pg_task_rows(rows: str, sign: str) -> str:
    return f"""
        SELECT {counted("t", "p", "cp", sign, "postgresql")}
        FROM {rows} t
        JOIN careplans_patient p ON p.id = t.patient_id
        LEFT JOIN careplans_careplan cp ON cp.id = t.care_plan_id
        CROSS JOIN {ANCHOR} a
        WHERE t.status IN {OPEN} AND NOT p.is_restricted"""  # noqa: S608  # nosec B608


def _pg_patient_rows(rows: str, sign: str) -> str:
    return f"""
        SELECT {counted("t", "p", "cp", sign, "postgresql")}
        FROM {rows} p
        JOIN tasks_task t ON t.patient_id = p.id AND t.status IN {OPEN}
        LEFT JOIN careplans_careplan cp ON cp.id = t.care_plan_id
        CROSS JOIN {ANCHOR} a
        WHERE NOT p.is_restricted"""  # noqa: S608  # nosec B608


def _pg_plan_rows(rows: str, sign: str) -> str:
    return f"""
        SELECT {counted("t", "p", "cp", sign, "postgresql")}
        FROM {rows} cp
        JOIN tasks_task t ON t.care_plan_id = cp.id AND t.status IN {OPEN}
        JOIN careplans_patient p ON p.id = t.patient_id
        CROSS JOIN {ANCHOR} a
        WHERE NOT p.is_restricted"""  # noqa: S608  # nosec B608


# (table, event, the function body's branches)
_PG_TRIGGERS = [
    ("tasks_task", "INSERT", [_pg_task_rows("new_rows", "1")]),
    ("tasks_task", "UPDATE", [_pg_task_rows("old_rows", "-1"), _pg_task_rows("new_rows", "1")]),
    ("tasks_task", "DELETE", [_pg_task_rows("old_rows", "-1")]),
    ("careplans_patient", "UPDATE", [_pg_patient_rows("old_rows", "-1"), _pg_patient_rows("new_rows", "1")]),
    ("careplans_careplan", "UPDATE", [_pg_plan_rows("old_rows", "-1"), _pg_plan_rows("new_rows", "1")]),
]


def _pg_name(table: str, event: str) -> str:
    return f"opencount_{table}_{event.lower()}"


def postgresql_install() -> list[str]:
    statements = []
    for table, event, branches in _PG_TRIGGERS:
        name = _pg_name(table, event)
        referencing = {
            "INSERT": "NEW TABLE AS new_rows",
            "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "DELETE": "OLD TABLE AS old_rows",
        }[event]
        statements += [
            f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN {_pg_net(branches)} RETURN NULL; END $$""",
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"""CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing}
            FOR EACH STATEMENT EXECUTE FUNCTION {name}()""",
        ]
    return statements


def postgresql_uninstall() -> list[str]:
    statements = []
    for table, event, _ in _PG_TRIGGERS:
        name = _pg_name(table, event)
        statements += [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()"]
    return statements


# ---- SQLite ----------------------------------------------------------------------------------


def _sqlite_task_row(row: str, sign: str) -> str:
    return f"""
        INSERT INTO {COUNTS} ({COLUMNS})
        SELECT {counted(row, "p", "cp", sign, "sqlite")}
        FROM careplans_patient p
        CROSS JOIN {ANCHOR} a
        LEFT JOIN careplans_careplan cp ON cp.id = {row}.care_plan_id
        WHERE p.id = {row}.patient_id AND {row}.status IN {OPEN} AND NOT p.is_restricted;"""  # noqa: S608  # nosec B608


def _sqlite_patient_row(row: str, sign: str) -> str:
    return f"""
        INSERT INTO {COUNTS} ({COLUMNS})
        SELECT {counted("t", row, "cp", sign, "sqlite")}
        FROM tasks_task t
        CROSS JOIN {ANCHOR} a
        LEFT JOIN careplans_careplan cp ON cp.id = t.care_plan_id
        WHERE t.patient_id = {row}.id AND t.status IN {OPEN} AND NOT {row}.is_restricted;"""  # noqa: S608  # nosec B608


def _sqlite_plan_row(row: str, sign: str) -> str:
    return f"""
        INSERT INTO {COUNTS} ({COLUMNS})
        SELECT {counted("t", "p", row, sign, "sqlite")}
        FROM tasks_task t
        JOIN careplans_patient p ON p.id = t.patient_id
        CROSS JOIN {ANCHOR} a
        WHERE t.care_plan_id = {row}.id AND t.status IN {OPEN} AND NOT p.is_restricted;"""  # noqa: S608  # nosec B608


def _changed(*columns: str) -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)


_SQLITE_TRIGGERS = [
    ("opencount_task_insert", "INSERT ON tasks_task", "", [_sqlite_task_row("NEW", "1")]),
    (
        "opencount_task_update",
        "UPDATE ON tasks_task",
        _changed(
            "status",
            "care_team_id",
            "owner_id",
            "care_plan_id",
            "patient_id",
            "kind",
            "due_on",
            "waiting_until",
        ),
        [_sqlite_task_row("OLD", "-1"), _sqlite_task_row("NEW", "1")],
    ),
    ("opencount_task_delete", "DELETE ON tasks_task", "", [_sqlite_task_row("OLD", "-1")]),
    (
        "opencount_patient_update",
        "UPDATE ON careplans_patient",
        _changed("care_team_id", "location_id", "risk_level", "is_restricted"),
        [_sqlite_patient_row("OLD", "-1"), _sqlite_patient_row("NEW", "1")],
    ),
    (
        "opencount_careplan_update",
        "UPDATE ON careplans_careplan",
        _changed("program_id"),
        [_sqlite_plan_row("OLD", "-1"), _sqlite_plan_row("NEW", "1")],
    ),
]


def sqlite_install() -> list[str]:
    statements = []
    for name, event, when, body in _SQLITE_TRIGGERS:
        condition = f" WHEN {when}" if when else ""
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW{condition} BEGIN {''.join(body)} END",
        ]
    return statements


def sqlite_uninstall() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}" for name, *_ in _SQLITE_TRIGGERS]


def install(vendor: str) -> list[str]:
    return postgresql_install() if vendor == "postgresql" else sqlite_install()


def uninstall(vendor: str) -> list[str]:
    return postgresql_uninstall() if vendor == "postgresql" else sqlite_uninstall()
