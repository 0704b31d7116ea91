"""What the browser tests share besides fixtures: the password of the users they make, a way to
make one, logging in through the login page (and its second step), and reading axe-core's
verdict."""

import re

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.twofactor import requires_two_factor
from tests import factories
from tests.helpers import authenticator, totp_code

PASSWORD = "browser-test-password-1"


def member(team, username: str, first: str, last: str, role):
    """A user holding `role` who works in `team` (and manages it, for a Manager) and can log in
    with PASSWORD; whoever must use two-factor sign-in has an authenticator app set up."""
    user = factories.member(role, team, username=username, first_name=first, last_name=last)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    if requires_two_factor(type(user).objects.get(pk=user.pk)):
        authenticator(user)
    return user


def log_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form, then the second step when the app asks for it: the code
    the user's authenticator shows (or setting one up, for a user without), and wait until the
    page behind it shows."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    logged_in = page.get_by_role("button", name=f"Log out {username}")
    expect(logged_in).to_be_visible()  # the header shows it on the second step's pages too
    if "/two-factor/verify/" in page.url:
        phone = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.get_by_label("Code").fill(totp_code(phone))
        page.get_by_role("button", name="Verify").click()
    elif "/two-factor/setup/" in page.url:
        phone = TOTPDevice.objects.get(user__username=username, confirmed=False)
        page.get_by_label("Code").fill(totp_code(phone))
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        page.get_by_role("button", name="Continue").click()
    else:
        page.wait_for_load_state("load")  # htmx set up (a loaded machine is slow), before any typing
        return
    expect(page).not_to_have_url(re.compile("/two-factor/"))
    page.wait_for_load_state("load")


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (the `axe_page` fixture
    injects axe)."""
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
