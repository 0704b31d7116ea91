"""Care plan intake in a real browser: the rows saved are the rows previewed, and a template the
patient already has an active plan from is not applied twice by accident."""

import pytest
from playwright.sync_api import expect

from careplans.models import CarePlan
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_changing_the_template_after_a_preview_asks_for_a_new_preview(
    live_server, page, work_day, screenshot
):
    patient, template = work_day["patient"], work_day["template"]
    log_in(page, live_server.url, "coordinator", work_day["password"])
    page.goto(f"{live_server.url}/patients/{patient.pk}/care-plans/new/")
    page.get_by_label("Care plan template").select_option(str(template.pk))
    page.get_by_role("button", name="Preview tasks").click()
    save = page.get_by_role("button", name="Save care plan and create tasks")
    expect(save).to_be_enabled()

    page.get_by_label("Plan starts").fill(work_day["today"].replace(day=1).isoformat())
    page.get_by_label("Plan starts").dispatch_event("change")

    expect(save).to_be_disabled()
    expect(page.get_by_text("changed since this preview")).to_be_visible()
    screenshot("intake-stale")


def test_applying_an_active_template_again_warns_and_needs_a_reason(live_server, page, work_day, screenshot):
    patient, template = work_day["patient"], work_day["template"]
    log_in(page, live_server.url, "coordinator", work_day["password"])
    url = f"{live_server.url}/patients/{patient.pk}/care-plans/new/?template={template.pk}&starts_on={work_day['today'].isoformat()}"
    page.goto(url)
    page.get_by_role("button", name="Save care plan and create tasks").click()
    expect(page.get_by_role("heading", name="Lovelace, Ada")).to_be_visible()
    assert CarePlan.objects.filter(template=template).count() == 1

    page.goto(url)  # a new preview of the same template
    expect(page.get_by_text("already has an active")).to_be_visible()
    expect(page.get_by_role("link", name="Open the existing plan")).to_be_visible()
    page.get_by_role("button", name="Save care plan and create tasks").click()
    expect(page.get_by_role("alert")).to_contain_text("give a reason to apply the template again")
    assert CarePlan.objects.filter(template=template).count() == 1
    screenshot("intake-again")

    page.get_by_label("Why apply it again?").fill("New episode after a hospital stay")
    page.get_by_role("button", name="Save care plan and create tasks").click()
    expect(page.get_by_role("heading", name="Lovelace, Ada")).to_be_visible()
    assert CarePlan.objects.filter(template=template).count() == 2
