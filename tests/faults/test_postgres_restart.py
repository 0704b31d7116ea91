"""A PostgreSQL restart under traffic, against a throwaway cluster (a copy of the test database)
and the app under gunicorn with production's connection settings (kept 60 s, health-checked):
requests fail only while the database is down, /healthz says it is the database (503), and the
same gunicorn worker serves again once it is back, never restarted. PostgreSQL only: the copy
comes from the test database; on a developer's SQLite it is skipped, in CI it runs."""

import http.cookiejar
import json
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.factories import TaskFactory
from tests.faults.services import ROOT, PostgresCluster, app_env, free_port, needs_postgresql, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]
PASSWORD = "restart-test-password"


class Browser:
    """A user's browser: cookies kept, each answer's status (0: no answer at all)."""

    def __init__(self, port: int):
        self.port, self.base = port, f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, bytes]:
        return self._open(urllib.request.Request(self.base + path))

    def _open(self, request) -> tuple[int, bytes]:
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except OSError:
            return 0, b""

    def log_in(self, username: str, password: str) -> int:
        _, page = self.get("/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )
        status, _ = self._open(urllib.request.Request(self.base + "/login/", data=form.encode()))
        return status


@pytest.fixture
def cluster():
    needs_postgresql()
    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def web(cluster, coordinator, patient, tmp_path):
    """gunicorn, one worker, on a copy of the test database in the throwaway cluster."""
    coordinator.password = PBKDF2PasswordHasher().encode(PASSWORD, "faultsalt", iterations=1000)
    coordinator.save()
    TaskFactory(patient=patient, owner=coordinator, title="Call about the restart")
    cluster.copy_of_test_database("app")
    port, log = free_port(), tmp_path / "gunicorn.log"
    env = app_env(
        DJANGO_SETTINGS_MODULE="tests.faults.app_settings",
        DATABASE_URL=cluster.url("app"),
        DATABASE_CONN_MAX_AGE="60",
        WEB_CONCURRENCY="1",
    )
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi", "--bind"]
    server = subprocess.Popen(
        [*command, f"127.0.0.1:{port}"], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    browser = Browser(port)
    try:
        wait_until(lambda: browser.get("/healthz")[0] == 200, what="gunicorn to answer")
        yield server, browser, log
    finally:
        server.terminate()
        server.wait(10)


def health(browser) -> tuple[int, dict]:
    """/healthz as a load balancer asks it: without the user's cookies (a session cookie would
    have the middleware read the session from the database first)."""
    status, body = Browser(browser.port).get("/healthz")
    return status, json.loads(body)


def test_a_postgresql_restart_fails_requests_only_while_it_is_down(cluster, web, coordinator, report):
    server, browser, log = web
    assert browser.log_in(coordinator.username, PASSWORD) == 200  # redirected to My work
    up = [browser.get("/work/")[0] for _ in range(3)]
    assert up == [200, 200, 200]

    cluster.stop()
    down = [browser.get("/work/")[0] for _ in range(3)]
    health_down = health(browser)
    assert down == [500, 500, 500]  # an error page, answered: the app itself is up
    assert health_down == (503, {"status": "down", "database": "down", "broker": "ok", "cache": "ok"})

    cluster.start()
    back = [browser.get("/work/") for _ in range(3)]
    assert [status for status, _ in back] == [200, 200, 200]
    assert b"Call about the restart" in back[0][1]
    assert health(browser) == (200, {"status": "ok", "database": "ok", "broker": "ok", "cache": "ok"})

    # A restart between two requests: the kept connection is dead, and the health check that
    # precedes its reuse replaces it, so the next request does not fail at all.
    cluster.stop()
    cluster.start()
    quiet = browser.get("/work/")[0]
    assert quiet == 200

    assert server.poll() is None
    boots = log.read_text().count("Booting worker")
    assert boots == 1, log.read_text()  # the same worker all along: the app was never restarted
    report.update(
        failed_while_down=sum(s != 200 for s in down) + 1,
        failed_after_restart=sum(s != 200 for s, _ in back) + (quiet != 200),
        healthz_while_down=health_down,
        worker_boots=boots,
    )
