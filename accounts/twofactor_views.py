"""The two-factor pages: the second step after the password, setting up an authenticator app
(with its QR code), recovery codes, and turning two-factor off for whoever may."""

from base64 import b32encode
from io import BytesIO

import segno
from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.twofactor import ENROL, SESSION_KEY, is_verified, new_recovery_codes, requires_two_factor

WRONG_CODE = "That code is not right, or was used already. Try the code your app shows now."
THROTTLED = "Too many wrong codes: wait a few seconds, then try again."


class CodeForm(forms.Form):
    code = forms.CharField(label="Code", max_length=20)

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def _verified_device(user, code: str):
    """(the device `code` belongs to or None, the error to show). Six digits are the app's code,
    anything else a recovery code (each used once): trying one kind never counts as a failure
    against the other. django-otp doubles the wait after each wrong code."""
    if code.isdigit() and len(code) == 6:
        candidates = TOTPDevice.objects.devices_for_user(user, confirmed=True)
    else:
        candidates = StaticDevice.objects.devices_for_user(user, confirmed=True)
    with transaction.atomic():
        for device in candidates.select_for_update():
            if not device.verify_is_allowed()[0]:
                return None, THROTTLED
            if device.verify_token(code):
                return device, None
    return None, WRONG_CODE


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()):
        return url
    return "/"


def _authenticator(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step: a code from the authenticator app, or one recovery code."""
    user = request.user
    if is_verified(request):
        return redirect(_next_url(request))
    if not any(devices_for_user(user)):  # reset since sign-in
        if requires_two_factor(user):
            request.session[SESSION_KEY] = ENROL
            return redirect("two_factor_setup")
        request.session.pop(SESSION_KEY, None)
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if form.is_valid():
        device, error = _verified_device(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(request, f"Recovery code used: {left} left. Make new ones under Sign-in.")
            return redirect(_next_url(request))
        form.add_error("code", error)
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@require_http_methods(["GET", "POST"])
def setup(request):
    """Set up an authenticator app, or move to a new phone: scan the QR code (or type the key),
    confirm with a code, and receive new recovery codes, shown this once."""
    user = request.user
    replacing = _authenticator(user)
    if replacing is not None and not is_verified(request):
        return redirect("two_factor_verify")  # a new phone only after a code from the old one
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()  # the old phone
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            codes = new_recovery_codes(user)
            otp_login(request, device)
            return render(
                request,
                "registration/two_factor_codes.html",
                {"codes": codes, "enrolled": True, "next": _next_url(request)},
            )
        form.add_error("code", WRONG_CODE)
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "key": _spaced(b32encode(device.bin_key).decode()),
            "required": requires_two_factor(user),
            "replacing": replacing is not None,
            "next": _next_url(request),
        },
    )


def _spaced(key: str) -> str:
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@never_cache
@require_GET
def qr_code(request):
    """The QR code of the authenticator being set up, as an SVG image (no inline style)."""
    device = TOTPDevice.objects.devices_for_user(request.user, confirmed=False).first()
    if device is None:
        raise Http404("No authenticator is being set up.")
    svg = BytesIO()
    # A viewBox and no size: the page's <img> sizes it. No class or style: only its shapes.
    segno.make(device.config_url, error="m").save(
        svg, kind="svg", omitsize=True, xmldecl=False, svgclass=None, lineclass=None
    )
    return HttpResponse(svg.getvalue(), content_type="image/svg+xml")


@never_cache
@require_GET
def overview(request):
    """Two-factor for this user: on or off, recovery codes left, and what they may do."""
    user = request.user
    static = StaticDevice.objects.devices_for_user(user, confirmed=True).first()
    return render(
        request,
        "registration/two_factor.html",
        {
            "enabled": _authenticator(user) is not None,
            "codes_left": static.token_set.count() if static else 0,
            "required": requires_two_factor(user),
            "form": CodeForm(),
        },
    )


@never_cache
@require_POST
def recovery_codes(request):
    """New recovery codes (the old ones stop working), shown once."""
    if _authenticator(request.user) is None:
        return redirect("two_factor")
    return render(request, "registration/two_factor_codes.html", {"codes": new_recovery_codes(request.user)})


@require_POST
def disable(request):
    """Turn two-factor off, with a current code: only for whoever is not required to use it."""
    user = request.user
    if requires_two_factor(user):
        messages.error(request, "Your role requires two-factor sign-in: it cannot be turned off.")
        return redirect("two_factor")
    form = CodeForm(request.POST)
    device, error = (
        _verified_device(user, form.cleaned_data["code"]) if form.is_valid() else (None, WRONG_CODE)
    )
    if device is None:
        messages.error(request, error)
        return redirect("two_factor")
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=None):
            device.delete()
    request.session.pop(SESSION_KEY, None)
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    messages.success(request, "Two-factor sign-in is off.")
    return redirect("two_factor")
