"""Session limits and caching, for every signed-in request.

A session ends settings.SESSION_IDLE_TIMEOUT seconds after the user's last action, and
settings.SESSION_COOKIE_AGE seconds after signing in whatever happens. Requests the page makes on
its own (the inbox badge's polling, the idle warning asking how long is left) are no action: the
views mark themselves with @not_activity. Every answer to a signed-in user is `no-store`: after
logging out, Back must not show a patient from the browser's cache."""

import logging
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers

log = logging.getLogger("followthrough.auth")

SIGNED_IN_AT = "signed_in_at"
LAST_ACTIVITY = "last_activity"
# Last activity is written at most this often (seconds): not a session write per request. The
# idle warning asks the server how long is left, so this only makes the logoff up to this early.
ACTIVITY_RESOLUTION = 30


def not_activity(view):
    """Marks a view the page calls by itself (polling): it does not keep the session alive."""
    view.not_activity = True
    return view


def mark_signed_in(session, now: int | None = None) -> None:
    now = int(time.time()) if now is None else now
    session[SIGNED_IN_AT] = now
    session[LAST_ACTIVITY] = now


def seconds_left(session, now: int | None = None) -> int:
    """Seconds until the session ends, idle or absolute, whichever comes first (0: ended)."""
    now = int(time.time()) if now is None else now
    signed_in = session.get(SIGNED_IN_AT)
    if signed_in is None:  # a session from before these limits: end it
        return 0
    last = session.get(LAST_ACTIVITY, signed_in)
    left = min(
        signed_in + settings.SESSION_COOKIE_AGE - now,
        last + settings.SESSION_IDLE_TIMEOUT - now,
    )
    return max(0, left)


def record_activity(session, now: int | None = None, *, force: bool = False) -> None:
    now = int(time.time()) if now is None else now
    if force or now - session.get(LAST_ACTIVITY, 0) >= ACTIVITY_RESOLUTION:
        session[LAST_ACTIVITY] = now


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            if request.htmx and getattr(view_func, "login_required", True):
                # Signed out meanwhile (another tab, the lifetime): the whole page goes to the
                # login page, rather than htmx swapping the login page into a panel or the badge.
                return _to_login_page(request)
            return None
        session = request.session
        now = int(time.time())
        if seconds_left(session, now) <= 0:
            return self._sign_out(request, now)
        if not getattr(view_func, "not_activity", False):
            record_activity(session, now)
        return None

    def _sign_out(self, request, now: int) -> HttpResponse:
        session = request.session
        signed_in = session.get(SIGNED_IN_AT)
        absolute = signed_in is None or now - signed_in >= settings.SESSION_COOKIE_AGE
        log.info("session ended (%s): user_id=%s", "lifetime" if absolute else "idle", request.user.pk)
        logout(request)
        if absolute:
            hours = settings.SESSION_COOKIE_AGE // 3600
            messages.info(
                request, f"You were signed out {hours} hours after signing in. Please sign in again."
            )
        else:
            minutes = max(1, round(settings.SESSION_IDLE_TIMEOUT / 60))
            plural = "s" if minutes > 1 else ""
            messages.info(request, f"You were signed out after {minutes} minute{plural} without activity.")
        if request.htmx:
            return _to_login_page(request)
        # A form sent after the timeout is lost: back to where it came from would be a guess.
        return redirect_to_login(request.get_full_path() if request.method == "GET" else "/")


def _to_login_page(request) -> HttpResponse:
    """For htmx: a full page load of the login page, back to the current page after it."""
    response = HttpResponse(status=204)
    response["HX-Redirect"] = redirect_to_login(_path_only(request.htmx.current_url or "/"))["Location"]
    return response


def _path_only(url: str) -> str:
    """The path (and query) of a same-site URL, for ?next= after signing in again."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class NoStoreMiddleware:
    """No answer to a signed-in user is kept by the browser or a proxy (static files are served
    before this, by WhiteNoise)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
