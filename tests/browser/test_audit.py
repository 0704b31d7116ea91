"""The audit page in a real browser: Compliance lands on it, sees who opened the patient, filters
by user and reason, and switches to the changes; no CSP violation, no serious axe finding."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_compliance_reviews_who_opened_a_patient(live_server, axe_page, practice, screenshot):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.roles import Role
    from tests.browser.helpers import PASSWORD

    page, patient = axe_page, practice["patient"]
    reviewer = get_user_model().objects.create_user("compliance", password=PASSWORD, first_name="Cleo")
    reviewer.groups.add(Group.objects.get(name=Role.COMPLIANCE))

    log_in(page, live_server.url, "coordinator", practice["password"])
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.goto(f"{live_server.url}/patients/999999/")  # refused: not found
    page.get_by_role("button", name="Log out coordinator").click()

    log_in(page, live_server.url, "compliance")
    expect(page.get_by_role("heading", name="Audit")).to_be_visible()
    table = page.locator("table")
    expect(table).to_contain_text("Lovelace, Ada")
    expect(table).to_contain_text("Refused")
    screenshot("audit")
    assert serious_violations(page) == []

    page.get_by_label("User (username or name)").fill("coordinator")
    page.get_by_label("Outcome").select_option("refused")
    page.get_by_role("button", name="Apply").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    screenshot("audit-filtered")

    page.get_by_role("button", name="Clear").click()
    page.get_by_role("link", name="Changes").click()
    expect(table).to_contain_text("Call about A1c lab order")
    expect(table).to_contain_text("provider")
    screenshot("audit-changes")
    assert page.console_log.csp_violations == []
