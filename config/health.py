"""`/healthz`: which dependency is down, for load balancers, container checks and whoever is on
call. The database is required: without it no page works, so the answer is 503 and a load
balancer takes this instance out. The broker (Redis, or the filesystem broker) and the cache are
reported but not required: while Redis is down, actions still commit and their emails wait in
the database for the relay (notifications.jobs), so users keep working on a 200 marked
"degraded"."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

logger = logging.getLogger(__name__)

# Seconds each check may take: a health check that hangs is read as a dead instance.
TIMEOUT = 2


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    with celery_app.connection_for_write(connect_timeout=TIMEOUT) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=TIMEOUT)


def _cache() -> None:
    cache.set("healthz", "ok", timeout=10)


CHECKS = {"database": (_database, True), "broker": (_broker, False), "cache": (_cache, False)}


def check() -> dict[str, str]:
    """Each dependency "ok" or "down" (the error goes to the log, not to the anonymous caller)."""
    found = {}
    for name, (probe, _) in CHECKS.items():
        try:
            probe()
        except Exception:  # any failure of a dependency is "down", whatever its library raises
            logger.warning("healthz: %s is down", name, exc_info=True)
            found[name] = "down"
        else:
            found[name] = "ok"
    return found


@login_not_required
@require_GET
@never_cache
def healthz(request):
    found = check()
    required_down = any(found[name] != "ok" for name, (_, required) in CHECKS.items() if required)
    status = "down" if required_down else "ok" if all(v == "ok" for v in found.values()) else "degraded"
    return JsonResponse({"status": status, **found}, status=503 if required_down else 200)
