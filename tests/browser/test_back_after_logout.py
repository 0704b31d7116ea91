"""After logging out, Back must not show a patient: every signed-in page is no-store, so Chromium
neither keeps it in its back-forward cache nor shows it from its HTTP cache. Playwright turns the
back-forward cache off by default; this browser has it on, and the test first checks it works."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bfcache_page(browser):
    """A page in a second Chromium, launched like the suite's but with the back-forward cache."""
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        ignore_default_args=["--disable-back-forward-cache"],
        headless=True,
    )
    page = chromium.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    page.set_default_timeout(10_000)
    yield page
    chromium.close()


def restored_from_bfcache(page) -> bool:
    return page.evaluate("() => window.__marker === 'still here'")


def test_back_after_logout_shows_no_patient(live_server, bfcache_page, practice):
    page = bfcache_page
    base = live_server.url
    patient, task = practice["patient"], practice["task"]

    # The back-forward cache is on: a page nobody forbids caching comes back as it was left.
    page.goto(f"{base}/login/")
    page.evaluate("() => { window.__marker = 'still here'; }")
    page.goto(f"{base}/healthz")
    page.go_back(wait_until="commit")  # a page restored from the cache fires no load event
    assert restored_from_bfcache(page), "this Chromium does not use its back-forward cache"

    log_in(page, base, practice["coordinator"].username, practice["password"])
    page.goto(f"{base}{patient.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Lovelace, Ada")).to_be_visible()
    page.goto(f"{base}{task.get_absolute_url()}")
    expect(page.get_by_text(task.title).first).to_be_visible()
    page.evaluate("() => { window.__marker = 'still here'; }")

    page.get_by_role("button", name="Log out coordinator").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.go_back(wait_until="commit")

    assert not restored_from_bfcache(page)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    body = page.content()
    assert "Lovelace" not in body and task.title not in body and "MRN-1001" not in body
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "back-after-logout.png"))
