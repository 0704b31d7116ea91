"""Two-factor sign-in in a real browser: a new manager sets up the authenticator app from the QR
code (an image of our own, under the strict CSP), keeps the recovery codes, and reaches the
dashboard; next time the password alone opens nothing, a recovery code does, once."""

import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.roles import Role
from tests import factories
from tests.browser.helpers import PASSWORD, serious_violations
from tests.helpers import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _password(page, base_url):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill("newmanager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_manager_sets_up_two_factor_then_signs_in_with_a_recovery_code(
    axe_page, live_server, practice, screenshot
):
    page = axe_page
    team = practice["patient"].care_team
    user = factories.member(Role.MANAGER, team, username="newmanager", first_name="Noor", last_name="Hale")
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])

    _password(page, live_server.url)
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("link", name="Dashboard")).to_have_count(0)
    qr = page.get_by_role("img", name="QR code to scan with the authenticator app")
    expect(qr).to_be_visible()
    # The image loaded and drew (an <img> is visible before its picture arrives).
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 100", arg=qr.element_handle())
    assert serious_violations(page) == []
    screenshot("setup")
    page.goto(f"{live_server.url}/queue/")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()

    phone = TOTPDevice.objects.get(user=user, confirmed=False)
    page.get_by_label("Code").fill(totp_code(phone))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    screenshot("recovery-codes")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Team queue")).to_be_visible()

    page.get_by_role("button", name="Log out newmanager").click()
    _password(page, live_server.url)
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("Recovery code used: 9 left")).to_be_visible()
    screenshot("signed-in-with-a-recovery-code")
    assert page.console_log.csp_violations == []
    assert page.console_log.errors_but_cancelled == []
    assert get_user_model().objects.get(pk=user.pk).staticdevice_set.get().token_set.count() == 9
