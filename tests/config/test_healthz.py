"""`/healthz` names the dependency that is down. The database going down (503) is proven on a
real PostgreSQL in tests/faults; here the broker and the cache, which are not required."""

import json
import socket

import pytest

from tests.faults.services import celery_publishing_to


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on return: nothing listens there


def test_all_up_is_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "broker": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.fixture
def broker_down():
    with celery_publishing_to(f"redis://127.0.0.1:{closed_port()}/0"):
        yield


def test_a_broker_down_is_named_and_the_app_stays_in_service(client, broker_down):
    response = client.get("/healthz")
    assert response.status_code == 200  # users keep working; emails wait for the relay
    assert json.loads(response.content) == {
        "status": "degraded",
        "database": "ok",
        "broker": "down",
        "cache": "ok",
    }


def test_a_cache_down_is_named(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content)["cache"] == "down"
