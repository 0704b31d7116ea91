"""Two-factor sign-in (django-otp): who must use it, and the gate every request passes.

After the password, a session owes a second step: entering a code ("verify") when the user has
a confirmed authenticator, or setting one up ("enrol") when their rights require it and they
have none. Until that step is done the session reaches only the two-factor pages and logout.
"""

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts.scope import team_rights

# Rights that make someone a manager of other people's work, whatever their role is called.
MANAGER_RIGHTS = (
    "tasks.view_team_dashboard",
    "tasks.reassign_any_task",
    "tasks.reopen_task",
    "tasks.bulk_change_task",
    # The audit reads who opened which patient across teams (Compliance): as sensitive as managing.
    "careplans.review_access_log",
    "careplans.review_practice_access_log",
)
RECOVERY_CODE_COUNT = 10
SESSION_KEY = "two_factor_step"
VERIFY, ENROL = "verify", "enrol"
# What a session that still owes its second step may reach (by URL name).
OPEN_DURING_STEP = {
    VERIFY: {"two_factor_verify", "logout"},
    ENROL: {"two_factor_setup", "two_factor_qr", "logout"},
}
STEP_URL = {VERIFY: "two_factor_verify", ENROL: "two_factor_setup"}


def requires_two_factor(user) -> bool:
    """Superusers, anyone who may use the admin, and whoever manages a team, holds a manager's
    right or reviews the audit (Compliance) must sign in with a second factor; everyone else may."""
    if user.is_superuser or user.is_staff:
        return True
    return bool(team_rights(user)["manage"]) or any(user.has_perm(code) for code in MANAGER_RIGHTS)


def step_owed(user) -> str | None:
    if user_has_device(user):
        return VERIFY
    if requires_two_factor(user):
        return ENROL
    return None


@receiver(user_logged_in, dispatch_uid="accounts.twofactor.after_password")
def _after_password(sender, request, user, **kwargs):
    """Decided once at sign-in, so that a request costs no query for it (rights gained later
    count from the next sign-in; staff and superuser status count at once, see the middleware).
    Each password sign-in owes its own second step."""
    if request is None:
        return
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    step = step_owed(user)
    if step:
        request.session[SESSION_KEY] = step
    else:
        request.session.pop(SESSION_KEY, None)


def is_verified(request) -> bool:
    """Whether this session has passed its second step: django_otp.login() wrote the device there
    (any sign-in clears it). Read from the session, with no query: a device deleted since (a
    reset, a new phone) stops counting at the next sign-in, like the rest of the sign-in."""
    return DEVICE_ID_SESSION_KEY in request.session


def pending_step(request) -> str | None:
    """The second step this request's session still owes, if any."""
    user = request.user
    if not user.is_authenticated or is_verified(request):
        return None
    step = request.session.get(SESSION_KEY)
    if step is None and (user.is_staff or user.is_superuser):
        step = ENROL  # made staff or superuser since signing in
    return step


class TwoFactorMiddleware:
    """After LoginRequiredMiddleware: a session that owes its second step is sent to it from
    every page, the admin included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None  # public pages (healthz, login) stay as they are
        step = pending_step(request)
        request.two_factor_pending = bool(step)
        if not step or request.resolver_match.view_name in OPEN_DURING_STEP[step]:
            return None
        url = reverse(STEP_URL[step])
        if request.htmx:  # the whole page goes, not a fragment of it
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        if request.method == "GET" and request.path != "/":
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT new ones, each good once."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": "Recovery codes"})
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
