"""The router against a real streaming replica of the test database's server (ops/replica.sh
start): a dashboard read is served by the standby, a change by the primary. Runs on PostgreSQL
when the replica answers (DATABASE_REPLICA_URL's server, else 127.0.0.1:5433) and is a standby
of the same cluster; skipped otherwise.

The alias is set up as Django's TEST MIRROR does it: the standby's server, the test database's
name (created on the primary, it reaches the standby through the WAL). The test commits its data
(a transactional test): the standby sees only what the primary committed."""

import os
import time

import psycopg
import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from accounts.roles import Role, sync_role_permissions
from config import replica
from tasks.choices import Status
from tests.factories import CareTeamFactory, PatientFactory, TaskFactory, member

pytestmark = pytest.mark.django_db(transaction=True)

DEFAULT_REPLICA = "postgres://postgres@127.0.0.1:5433/postgres"


def _replica_settings() -> dict:
    import dj_database_url

    url = dj_database_url.parse(os.environ.get("DATABASE_REPLICA_URL") or DEFAULT_REPLICA)
    primary = connection.settings_dict
    return {**primary, "HOST": url["HOST"], "PORT": url["PORT"], "USER": url["USER"] or primary["USER"]}


def _cluster_id(settings: dict) -> tuple[int, bool]:
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        dbname="postgres",
        password=settings.get("PASSWORD") or None,
        connect_timeout=3,
    ) as conn:
        return conn.execute(
            "SELECT system_identifier, pg_is_in_recovery() FROM pg_control_system()"
        ).fetchone()


@pytest.fixture
def standby():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL) and its streaming replica (ops/replica.sh start)")
    settings = _replica_settings()
    try:
        replica_id, in_recovery = _cluster_id(settings)
    except psycopg.OperationalError as error:
        pytest.skip(f"no replica at {settings['HOST']}:{settings['PORT']} (ops/replica.sh start): {error}")
    primary_id, _ = _cluster_id(connection.settings_dict)
    if not in_recovery or replica_id != primary_id:
        pytest.skip(f"{settings['HOST']}:{settings['PORT']} is not a standby of the test database's server")
    connections.settings[replica.REPLICA] = settings
    try:
        with override_settings(DATABASE_ROUTERS=["config.replica.ReplicaRouter"]):
            yield connections[replica.REPLICA]
    finally:
        connections[replica.REPLICA].close()
        del connections[replica.REPLICA]
        del connections.settings[replica.REPLICA]


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


def _tables(captured) -> str:
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
        assert cursor.fetchone() == (True, 1)  # a standby, with the task the primary committed

    client.force_login(manager)
    with CaptureQueriesContext(connection) as on_primary, CaptureQueriesContext(standby) as on_standby:
        response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert "tasks_task" in _tables(on_standby)  # the page's figures came from the standby
    assert "tasks_task" not in _tables(on_primary)  # the primary served the session and user only

    client.force_login(coordinator)
    with CaptureQueriesContext(connection) as on_primary, CaptureQueriesContext(standby) as on_standby:
        response = client.post(
            reverse("task_action", args=[task.pk, "start"]), {"start-version": task.version}
        )

    assert response.status_code == 302
    assert 'UPDATE "tasks_task"' in _tables(on_primary)
    assert on_standby.captured_queries == []
    task.refresh_from_db()
    assert task.status == Status.IN_PROGRESS
    _replayed(standby)
    with standby.cursor() as cursor:
        cursor.execute("SELECT status, version FROM tasks_task WHERE id = %s", [task.pk])
        assert cursor.fetchone() == (Status.IN_PROGRESS, task.version)
