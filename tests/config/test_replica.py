"""The read replica's router (config/replica.py): which reads may go to the replica, and that
without DATABASE_REPLICA_URL nothing changes. The live test against a real standby is
tests/config/test_replica_live.py."""

import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.urls import reverse

from config import replica
from tasks.models import Task

router = replica.ReplicaRouter()


@pytest.fixture
def replica_alias():
    """A `replica` alias in the connection settings, as DATABASE_REPLICA_URL makes (the router
    decisions are asserted; no query runs on it here)."""
    had = connections.settings.get(replica.REPLICA)
    connections.settings[replica.REPLICA] = had or {**connections["default"].settings_dict}
    yield
    if had is None:
        del connections.settings[replica.REPLICA]


@pytest.fixture
def no_replica_alias():
    had = connections.settings.pop(replica.REPLICA, None)
    yield
    if had is not None:
        connections.settings[replica.REPLICA] = had


def _where_reads_go(request, view_response=None):
    seen = {}

    @replica.replica_reads
    def view(request):
        seen["db"] = router.db_for_read(Task)
        return view_response or HttpResponse()

    response = view(request)
    return seen["db"], response


def test_a_marked_get_reads_the_replica(replica_alias):
    assert _where_reads_go(RequestFactory().get("/dashboard/"))[0] == "replica"


def test_reads_outside_a_marked_view_and_every_write_go_to_the_primary(replica_alias):
    assert router.db_for_read(Task) == "default"
    assert router.db_for_write(Task) == "default"

    @replica.replica_reads
    def view(request):
        return HttpResponse(router.db_for_write(Task))

    assert view(RequestFactory().get("/dashboard/")).content == b"default"


def test_a_read_inside_a_transaction_stays_on_the_primary(replica_alias):
    @replica.replica_reads
    def view(request):
        with transaction.atomic():
            return HttpResponse(router.db_for_read(Task))

    assert view(RequestFactory().get("/dashboard/")).content == b"default"


def test_a_post_reads_the_primary(replica_alias):
    assert _where_reads_go(RequestFactory().post("/dashboard/"))[0] == "default"


def test_a_browser_that_just_wrote_reads_the_primary(replica_alias):
    request = RequestFactory().get("/dashboard/")
    request.COOKIES[replica.STICKY_COOKIE] = "1"

    assert _where_reads_go(request)[0] == "default"


def test_a_streamed_export_reads_its_rows_on_the_replica_too(replica_alias):
    def rows():
        for _ in range(2):
            yield router.db_for_read(Task) + "\n"

    _, response = _where_reads_go(RequestFactory().get("/queue/export.csv"), StreamingHttpResponse(rows()))

    assert b"".join(response.streaming_content) == b"replica\nreplica\n"
    assert router.db_for_read(Task) == "default"  # and only while it streams


def test_without_a_replica_the_decorator_does_nothing(no_replica_alias):
    assert not replica.enabled()
    assert _where_reads_go(RequestFactory().get("/dashboard/"))[0] == "default"


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "tasks") is True
    assert router.allow_migrate("replica", "tasks") is False


def test_the_dashboard_and_the_exports_are_the_marked_views():
    from django.urls import resolve

    names = ("dashboard", "dashboard_export", "queue_export", "my_work", "team_queue", "patient_list")
    marked = {name for name in names if _is_marked(resolve(reverse(name)).func)}
    assert marked == {"dashboard", "dashboard_export", "queue_export"}


def _is_marked(func) -> bool:
    return getattr(func, "replica_reads", False)


def test_a_change_makes_the_browser_read_the_primary_for_a_few_seconds():
    middleware = replica.ReadYourWritesMiddleware(lambda request: HttpResponse(status=302))

    response = middleware(RequestFactory().post("/tasks/1/start/"))

    cookie = response.cookies[replica.STICKY_COOKIE]
    assert (cookie.value, cookie["max-age"], cookie["httponly"]) == ("1", replica.STICKY_SECONDS, True)
    refused = replica.ReadYourWritesMiddleware(lambda request: HttpResponse(status=409))
    assert replica.STICKY_COOKIE not in refused(RequestFactory().post("/tasks/1/start/")).cookies
    assert replica.STICKY_COOKIE not in middleware(RequestFactory().get("/work/")).cookies


def _settings_with(monkeypatch, **env):
    """config/settings.py read afresh under this environment."""
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return SimpleNamespace(**runpy.run_path(str(Path(settings.BASE_DIR) / "config" / "settings.py")))


def test_the_setting_adds_the_alias_router_and_middleware_only_when_set(monkeypatch):
    without = _settings_with(monkeypatch)
    assert ("replica" in without.DATABASES, without.DATABASE_ROUTERS) == (False, [])
    assert "config.replica.ReadYourWritesMiddleware" not in without.MIDDLEWARE

    url = "postgres://app@db-replica.internal:5432/followthrough"
    configured = _settings_with(
        monkeypatch, DATABASE_URL="postgres://app@db.internal:5432/followthrough", DATABASE_REPLICA_URL=url
    )
    assert configured.DATABASES["replica"]["HOST"] == "db-replica.internal"
    assert configured.DATABASES["replica"]["TEST"] == {"MIRROR": "default"}
    assert configured.DATABASE_ROUTERS == ["config.replica.ReplicaRouter"]
    assert "config.replica.ReadYourWritesMiddleware" in configured.MIDDLEWARE
