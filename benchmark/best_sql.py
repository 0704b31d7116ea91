"""The best SQL we know for the dashboard's numbers (the "best-SQL floor" case), run bare.

The page's own statements that read the figures, with the open work replaced by one
hand-written statement over the kept counts (dashboards_opencount): GROUPING SETS, so the
database returns one row per owner, program, risk, location and type and the totals (a few
hundred rows) instead of one per combination of them. Session, user, rights and the filter
choices are left out: they are not the figures. The flow figures (the period's completions and
closings, time in status, the trend) are the page's own statements, over the daily flow rows
(dashboards.flow_days) and the snapshots."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.scope import managed_team_ids, team_id_list
from benchmark.runner import signed_in

FIGURES = (
    "tasks_task",
    "tasks_activity",
    "dashboards_metricsnapshot",
    "dashboards_snapshotday",
    "dashboards_flowday",
    "dashboards_flowexit",
)


def _open_work(user) -> tuple[str, list]:
    today = timezone.localdate()
    teams = list(managed_team_ids(user).values_list("content_object_id", flat=True))
    sql = """
        SELECT owner_id, program_id, risk_level, location_id, kind,
               SUM(n),
               SUM(n) FILTER (WHERE due_on < %s),
               SUM(n) FILTER (WHERE due_on = %s),
               SUM(n) FILTER (WHERE due_on > %s AND due_on <= %s + 7),
               SUM(n) FILTER (WHERE waiting_until < %s)
        FROM dashboards_opencount
        WHERE care_team_id = ANY(%s) AND patient_team_id = ANY(%s)
        GROUP BY GROUPING SETS ((owner_id), (program_id), (risk_level), (location_id), (kind), ())
    """
    return sql, [today, today, today, today, today, teams, team_id_list(user)]


def statements(user) -> list[tuple[str, list | None]]:
    client = signed_in(user)
    with override_settings(DEBUG=False), CaptureQueriesContext(connection) as captured:
        status = client.get(reverse("dashboard"), secure=True).status_code
    if status != 200:
        raise RuntimeError(f"the dashboard answered {status}")
    flow = [
        (q["sql"], None)
        for q in captured.captured_queries
        if any(table in q["sql"] for table in FIGURES) and "dashboards_opencount" not in q["sql"]
    ]
    return [_open_work(user), *flow]


def run(statements: list[tuple[str, list | None]]) -> None:
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            if cursor.description:
                cursor.fetchall()
