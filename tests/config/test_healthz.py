"""`/healthz` names the dependency that is down. The database going down (503) is proven on a
real PostgreSQL in tests/faults; here the broker and the cache, which are not required."""

import json
import socket

import pytest

from config.celery import app as celery_app


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
    previous = celery_app.conf.broker_url, celery_app.conf.broker_transport_options
    celery_app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    celery_app.conf.broker_transport_options = {}
    celery_app.close()
    yield
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = previous
    celery_app.close()


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
