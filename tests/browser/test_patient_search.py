"""The header's patient search in a real browser: matches appear as one types, the keyboard
reaches them, Enter opens the full list; no CSP violation, no serious axe finding."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_finds_a_patient_from_the_header(live_server, axe_page, practice, screenshot):
    page = axe_page
    patient = practice["patient"]
    log_in(page, live_server.url, practice["coordinator"].username, practice["password"])
    box = page.get_by_role("searchbox", name="Find a patient")
    results = page.locator("#header-search-results")

    box.fill("ada lov")
    match = results.get_by_role("link", name="Lovelace, Ada")
    expect(match).to_be_visible()
    expect(results).to_contain_text("MRN MRN-1001 · born 12/10/1950 · (555) 010-1234")
    screenshot("dropdown")
    assert serious_violations(page) == []

    box.press("ArrowDown")
    expect(match).to_be_focused()
    match.press("Escape")
    expect(results).to_be_hidden()
    expect(box).to_be_focused()

    box.fill("(555) 010-1234")
    expect(match).to_be_visible()
    box.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Lovelace, Ada")).to_be_visible()
    assert page.url.endswith(patient.get_absolute_url())

    box = page.get_by_role("searchbox", name="Find a patient")
    box.fill("12/10/1950")
    box.press("Enter")
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    expect(page.locator("table").get_by_role("link", name="Lovelace, Ada")).to_be_visible()
    screenshot("list")

    assert page.console_log.csp_violations == []
    assert page.console_log.errors_but_cancelled == []
