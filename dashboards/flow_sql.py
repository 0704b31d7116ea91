"""The statements that build the flow rows of a batch of days (dashboards.flow_days.rebuild): one
INSERT ... SELECT each for dashboards_flowday and dashboards_flowexit, on PostgreSQL and SQLite.

Both join the events to a VALUES list of the batch's days with their practice-time bounds
(tasks.rowsets.day_start), so a day is cut at local midnight whatever the database's time zone,
23 or 25 hours long across a daylight saving change, as take_snapshots cuts them. The values are
those the live queries count with (dashboards.counts, dashboards.history), read as they are now.
"""

from __future__ import annotations

from tasks.choices import ActivityKind, Status

STATUS_CHANGE = f"'{ActivityKind.STATUS_CHANGE}'"
OPEN = "('new', 'in_progress', 'waiting')"
COMPLETED = f"'{Status.COMPLETED}'"
CANCELLED = f"'{Status.CANCELLED}'"


def days_cte(n_days: int) -> str:
    return "days (day, starts_at, ends_at) AS (VALUES " + ", ".join(["(%s, %s, %s)"] * n_days) + ")"


def _per_task(kind: str) -> str:
    """A closed task's timeline rows of `kind`: a few probes of activity_task_time_idx."""
    return f"(SELECT COUNT(*) FROM tasks_activity x WHERE x.task_id = c.id AND x.kind = '{kind}')"  # noqa: S608  # nosec B608  # kind: an ActivityKind constant


def flow_day_insert(n_days: int) -> str:
    """Tasks closed on each day as they are now: completed ones on the day of their completion,
    cancelled ones on the day of their latest cancellation (rowsets.cancelled_in_q). Parameters:
    the days' triples, then the batch's first start and last end twice."""
    return f"""
        INSERT INTO dashboards_flowday
            (day, care_team_id, patient_team_id, owner_id, program_id, location_id, kind,
             on_time, late, closed, reassigned, reassignments, reschedules)
        WITH {days_cte(n_days)},
        closings AS (
            SELECT t.id, t.status, t.due_on, t.care_team_id, t.owner_id, t.kind, t.patient_id,
                   t.care_plan_id, t.completed_at AS closed_at
            FROM tasks_task t
            WHERE t.status = {COMPLETED} AND t.completed_at >= %s AND t.completed_at < %s
            UNION ALL
            SELECT t.id, t.status, t.due_on, t.care_team_id, t.owner_id, t.kind, t.patient_id,
                   t.care_plan_id, a.created_at
            FROM tasks_activity a
            JOIN tasks_task t ON t.id = a.task_id AND t.status = {CANCELLED}
            WHERE a.kind = {STATUS_CHANGE} AND a.to_status = {CANCELLED}
              AND a.created_at >= %s AND a.created_at < %s
              AND NOT EXISTS (
                  SELECT 1 FROM tasks_activity b
                  WHERE b.task_id = a.task_id AND b.kind = {STATUS_CHANGE} AND b.to_status = {CANCELLED}
                    AND (b.created_at > a.created_at OR (b.created_at = a.created_at AND b.id > a.id))
              )
        ),
        counted AS (
            SELECT d.day, c.care_team_id, p.care_team_id AS patient_team_id, c.owner_id,
                   cp.program_id, p.location_id, c.kind, c.status, c.due_on,
                   {_per_task(ActivityKind.REASSIGNMENT)} AS reassignments,
                   {_per_task(ActivityKind.RESCHEDULE)} AS reschedules
            FROM closings c
            JOIN days d ON c.closed_at >= d.starts_at AND c.closed_at < d.ends_at
            JOIN careplans_patient p ON p.id = c.patient_id
            LEFT JOIN careplans_careplan cp ON cp.id = c.care_plan_id
            WHERE NOT p.is_restricted
        )
        SELECT day, care_team_id, patient_team_id, owner_id, program_id, location_id, kind,
               SUM(CASE WHEN status = {COMPLETED} AND day <= due_on THEN 1 ELSE 0 END),
               SUM(CASE WHEN status = {COMPLETED} AND day > due_on THEN 1 ELSE 0 END),
               COUNT(*),
               SUM(CASE WHEN reassignments > 0 THEN 1 ELSE 0 END),
               SUM(reassignments),
               SUM(reschedules)
        FROM counted
        GROUP BY day, care_team_id, patient_team_id, owner_id, program_id, location_id, kind
    """  # noqa: S608  # nosec B608  # fixed table names, values bound as parameters


def _bucket(vendor: str, factor: float) -> str:
    """The log-scale bucket of a move's time in status (seconds, at least 1)."""
    if vendor == "postgresql":
        seconds = "EXTRACT(EPOCH FROM (a.created_at - a.from_status_since))"
        return f"FLOOR(LN(GREATEST({seconds}, 1)) / LN({factor}))::smallint"
    seconds = "((julianday(a.created_at) - julianday(a.from_status_since)) * 86400.0)"
    return f"CAST(ln(MAX({seconds}, 1.0)) / ln({factor}) AS INTEGER)"


def flow_exit_insert(n_days: int, vendor: str, previous_day: str, factor: float) -> str:
    """Moves out of an open status on each day (rowsets.status_exits), per bucket and day of the
    task's previous move out of the same status. `previous_day` is the SQL that casts `prev.at`
    to a practice-time date. Parameters: the days' triples, the batch's first start and last end,
    then the reach: a previous move before it reads as none (no period reaches so far back)."""
    return f"""
        INSERT INTO dashboards_flowexit
            (day, care_team_id, patient_team_id, program_id, location_id, from_status,
             previous_day, bucket, n)
        WITH {days_cte(n_days)},
        moves AS (
            SELECT d.day, a.care_team_id, p.care_team_id AS patient_team_id, cp.program_id,
                   p.location_id, a.from_status,
                   CASE WHEN a.from_status_since IS NOT NULL THEN {_bucket(vendor, factor)} END AS bucket,
                   (SELECT MAX(b.created_at) FROM tasks_activity b
                    WHERE b.task_id = a.task_id AND b.kind = {STATUS_CHANGE}
                      AND b.from_status = a.from_status
                      AND (b.created_at < a.created_at OR (b.created_at = a.created_at AND b.id < a.id))
                   ) AS previous_at
            FROM tasks_activity a
            JOIN days d ON a.created_at >= d.starts_at AND a.created_at < d.ends_at
            JOIN careplans_patient p ON p.id = a.patient_id
            JOIN tasks_task t ON t.id = a.task_id
            LEFT JOIN careplans_careplan cp ON cp.id = t.care_plan_id
            WHERE a.kind = {STATUS_CHANGE} AND a.from_status IN {OPEN}
              AND a.created_at >= %s AND a.created_at < %s
              AND NOT p.is_restricted
        ),
        dated AS (
            SELECT day, care_team_id, patient_team_id, program_id, location_id, from_status, bucket,
                   CASE WHEN previous_at >= %s THEN {previous_day.replace("prev.at", "previous_at")} END
                       AS previous_day
            FROM moves
        )
        SELECT day, care_team_id, patient_team_id, program_id, location_id, from_status,
               previous_day, bucket, COUNT(*)
        FROM dated
        GROUP BY day, care_team_id, patient_team_id, program_id, location_id, from_status,
                 previous_day, bucket
    """  # noqa: S608  # nosec B608  # fixed table names, values bound as parameters
