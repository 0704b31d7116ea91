"""Login lockout (django-axes, configured in settings): one limit per username and another per
address, where a login comes from, and the page a locked-out login gets: the login form again,
saying why and what to do, never a bare error."""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.shortcuts import render


class LockoutHandler(AxesDatabaseHandler):
    """axes with two limits where it has one: LOGIN_FAILURE_LIMIT for a username, and the higher
    LOGIN_ADDRESS_FAILURE_LIMIT for an address (a clinic's staff share one; a few typos each must
    not lock them all out). axes compares one count with AXES_FAILURE_LIMIT (the username limit):
    an address's failures are counted in units of that, so it locks at its own limit."""

    def get_failures(self, request, credentials=None) -> int:
        # One queryset per AXES_LOCKOUT_PARAMETERS entry: ["username", "ip_address"].
        by_username, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        scaled = by_address * settings.AXES_FAILURE_LIMIT // settings.LOGIN_ADDRESS_FAILURE_LIMIT
        return max(by_username, scaled)


def client_address(request) -> str | None:
    """The address a request came from. Behind our TLS proxy (DJANGO_BEHIND_PROXY) every request
    arrives from the proxy, which appends the client's address to X-Forwarded-For: its last entry
    is the one a client cannot forge (any earlier entries came from the client)."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR")


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        "Too many wrong passwords for this username, or from this computer's network. Signing in is "
        f"blocked for {minutes} minutes after the last try. If you need in sooner, ask your "
        "practice administrator to unlock it."
    )


def locked_out(request, original_response=None, credentials=None):
    """axes' AXES_LOCKOUT_CALLABLE: the login page with the lockout explained (429)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "lockout": lockout_message(), "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)
