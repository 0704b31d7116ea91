"""The idle warning in a real browser: a minute before the idle logoff the page says so, and
"Stay signed in" starts the clock again; no CSP violation. The timeout is cut to 63 seconds so
the warning comes after 3."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_warning_comes_a_minute_before_and_stay_signed_in_extends(
    live_server, page, practice, settings, screenshot
):
    settings.SESSION_IDLE_TIMEOUT = 63
    log_in(page, live_server.url, practice["coordinator"].username, practice["password"])
    warning = page.get_by_role("dialog", name="You will be signed out in 1 minute")

    expect(warning).to_be_visible(timeout=8_000)
    screenshot("idle-warning")
    with page.expect_response(lambda r: r.url.endswith("/session/extend/")) as extended:
        warning.get_by_role("button", name="Stay signed in").click()

    assert extended.value.json()["seconds_left"] == 63
    expect(warning).to_be_hidden()
    assert page.console_log.csp_violations == []
    assert page.console_log.errors_but_cancelled == []


def test_left_alone_the_page_goes_to_the_login_page_and_says_why(live_server, page, practice, settings):
    settings.SESSION_IDLE_TIMEOUT = 3  # the warning at once, the end 3 seconds after signing in
    log_in(page, live_server.url, practice["coordinator"].username, practice["password"])

    expect(page.get_by_role("heading", name="Log in")).to_be_visible(timeout=10_000)
    expect(page.get_by_text("You were signed out after 1 minute without activity.")).to_be_visible()
    assert "/login/?next=" in page.url
    assert page.console_log.csp_violations == []
