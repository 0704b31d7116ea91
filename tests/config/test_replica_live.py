"""The router against a real streaming replica (ops/replica.sh start): a dashboard read is served
by the standby, a change by the primary. Runs when DATABASE_REPLICA_URL is set (with DATABASE_URL
on its primary) and the standby answers; skipped otherwise.

The settings give the `replica` alias TEST MIRROR = default: Django points it at the test
database's name on the standby's server, and the test database, created on the primary, reaches
the standby through the WAL. The suite routes nothing there (config/test_settings.py); this test
turns the router on, and commits its data (transactional): a standby sees only what the primary
committed."""

import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from accounts.roles import Role, sync_role_permissions
from config import replica
from tasks.choices import Status
from tests.factories import CareTeamFactory, PatientFactory, TaskFactory, member

CONFIGURED = replica.REPLICA in settings.DATABASES
pytestmark = pytest.mark.django_db(
    transaction=True, databases=["default", replica.REPLICA] if CONFIGURED else ["default"]
)


def _cluster(settings_dict: dict) -> tuple[int, bool]:
    with psycopg.connect(
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        password=settings_dict.get("PASSWORD") or None,
        dbname="postgres",
        connect_timeout=3,
    ) as conn:
        return conn.execute(
            "SELECT system_identifier, pg_is_in_recovery() FROM pg_control_system()"
        ).fetchone()


@pytest.fixture
def standby():
    if not CONFIGURED or connection.vendor != "postgresql":
        pytest.skip(
            "needs DATABASE_URL on PostgreSQL and DATABASE_REPLICA_URL on its standby (ops/replica.sh)"
        )
    standby = connections[replica.REPLICA]
    try:
        standby_id, in_recovery = _cluster(standby.settings_dict)
    except psycopg.OperationalError as error:
        pytest.skip(f"the replica does not answer (ops/replica.sh start): {error}")
    if not in_recovery or standby_id != _cluster(connection.settings_dict)[0]:
        pytest.skip("DATABASE_REPLICA_URL is not a standby of DATABASE_URL's server")
    with override_settings(DATABASE_ROUTERS=["config.replica.ReplicaRouter"]):
        yield standby


def _replayed(standby, timeout: float = 10.0) -> None:
    """Wait until the standby has replayed everything the primary committed so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    with standby.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"the standby did not replay up to {target} in {timeout} s")
            time.sleep(0.05)


def _sql(captured) -> str:
    return " ".join(q["sql"] for q in captured.captured_queries)


def test_the_dashboard_reads_the_standby_and_a_change_writes_the_primary(standby, client):
    sync_role_permissions()  # a transactional test before this one may have flushed the roles
    team = CareTeamFactory()
    manager = member(Role.MANAGER, team, username="replica.manager")
    coordinator = member(Role.COORDINATOR, team, username="replica.coordinator")
    task = TaskFactory(patient=PatientFactory(care_team=team), owner=coordinator)
    _replayed(standby)
    with standby.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), count(*) FROM tasks_task WHERE id = %s", [task.pk])
        assert cursor.fetchone() == (True, 1)  # a standby, holding the task the primary committed

    client.force_login(manager)
    with CaptureQueriesContext(connection) as on_primary, CaptureQueriesContext(standby) as on_standby:
        response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert "tasks_task" in _sql(on_standby)  # the page's figures came from the standby
    assert "tasks_task" not in _sql(on_primary)  # the primary served the session and the user

    client.force_login(coordinator)
    with CaptureQueriesContext(connection) as on_primary, CaptureQueriesContext(standby) as on_standby:
        response = client.post(
            reverse("task_action", args=[task.pk, "start"]), {"start-version": task.version}
        )

    assert response.status_code == 302
    assert 'UPDATE "tasks_task"' in _sql(on_primary)
    assert on_standby.captured_queries == []
    task.refresh_from_db()
    assert task.status == Status.IN_PROGRESS
    _replayed(standby)
    with standby.cursor() as cursor:
        cursor.execute("SELECT status, version FROM tasks_task WHERE id = %s", [task.pk])
        assert cursor.fetchone() == (Status.IN_PROGRESS, task.version)
