"""Read-heavy pages on a PostgreSQL read replica (DATABASE_REPLICA_URL), everything else on the
primary.

Only views marked `@replica_reads` (the dashboard, its CSV, the queue's CSV) read from the
replica, and only their own reads: the session, the user and the sign-in checks ran in the
middleware before the view, on the primary; every write goes to the primary (the access log row
an export writes, the session saved after the response); a read inside a transaction on the
primary stays there (read-after-write within an action); and for a few seconds after the browser
changed something (a POST answered without error) its pages read the primary, so a user never
sees a dashboard older than their own last action. A replica lags the primary by the time it takes
to replay its WAL: milliseconds on a local network.

Without DATABASE_REPLICA_URL there is no `replica` alias and no router (config/settings.py) and
the decorator does nothing: one database, as before."""

from __future__ import annotations

from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
# The cookie that keeps a browser's reads on the primary just after it wrote.
STICKY_COOKIE = "ft_primary"
STICKY_SECONDS = 5
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# While a marked view runs: how many transactions were open on the primary when it started (none
# in production; a test's own). A read in a transaction the view opened stays on the primary.
_replica_reads: ContextVar[int | None] = ContextVar("replica_reads", default=None)


def _depth() -> int:
    return len(connections[DEFAULT_DB_ALIAS].atomic_blocks)


def enabled() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    """Reads to the replica only while a marked view runs, outside any transaction it opened on
    the primary; writes, migrations and everything else to the primary."""

    def db_for_read(self, model, **hints):
        started = _replica_reads.get()
        if started is not None and _depth() <= started:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is the primary's copy: a row read from either may refer to the other's.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA, None}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def _streamed_on_replica(chunks, depth: int):
    """A streaming response's rows are read after the view returned: read them on the replica too."""
    chunks = iter(chunks)
    while True:
        token = _replica_reads.set(depth)
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        finally:
            _replica_reads.reset(token)
        yield chunk


def replica_reads(view):
    """The view's reads may come from the replica (a GET that writes nothing the user then reads)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not enabled() or request.method not in SAFE_METHODS or request.COOKIES.get(STICKY_COOKIE):
            return view(request, *args, **kwargs)
        depth = _depth()
        token = _replica_reads.set(depth)
        try:
            response = view(request, *args, **kwargs)
        finally:
            _replica_reads.reset(token)
        if getattr(response, "streaming", False):
            response.streaming_content = _streamed_on_replica(response.streaming_content, depth)
        return response

    wrapped.replica_reads = True  # outer decorators copy it (functools.wraps): the URL's view has it
    return wrapped


class ReadYourWritesMiddleware:
    """After a change (an unsafe method answered below 400), this browser reads the primary for
    STICKY_SECONDS: the replica may not have replayed it yet."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            response.set_cookie(
                STICKY_COOKIE,
                "1",
                max_age=STICKY_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
