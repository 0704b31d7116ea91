"""axe-core on the coordinator's pages: My work (with a task open in the side panel), the team
queue, the patient page and the care plan intake preview. No serious or critical violation.

axe comes from npm (node_modules/axe-core) and is injected by the browser protocol before any
page script runs, so the strict CSP is not loosened to let it in."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_pages_have_no_serious_axe_violations(live_server, axe_page, work_day, screenshot):
    page = axe_page
    patient, template = work_day["patient"], work_day["template"]
    log_in(page, live_server.url, "coordinator", work_day["password"])
    found = {}

    # My work, with a task open in the side panel and one of its action forms unfolded.
    page.goto(f"{live_server.url}/work/")
    expect(page.get_by_role("heading", name="My work", exact=True)).to_be_visible()
    found["my work"] = serious_violations(page)
    page.locator(".queue-row").first.get_by_role("link", name="Call about missed visit").click()
    panel = page.locator("#work-panel .task-panel")
    expect(panel.get_by_role("heading", name="Call about missed visit")).to_be_visible()
    panel.locator('details[data-verb="wait"] summary').click()
    expect(panel.get_by_label("Waiting until")).to_be_visible()
    found["my work, task panel"] = serious_violations(page)
    screenshot("my-work-panel")

    # The team queue with its Status dropdown and "More filters" open.
    page.goto(f"{live_server.url}/queue/?status=new&status=in_progress&priority=3")
    expect(page.get_by_role("heading", name="Team queue")).to_be_visible()
    expect(page.locator("details.more-filters")).to_have_attribute("open", "")
    page.locator("details.checklist summary").first.click()
    expect(page.get_by_role("checkbox", name="In progress")).to_be_checked()
    found["team queue"] = serious_violations(page)
    screenshot("team-queue")

    page.goto(f"{live_server.url}{patient.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Lovelace, Ada")).to_be_visible()
    expect(page.get_by_text("A1c below 7.5%")).to_be_visible()
    found["patient page"] = serious_violations(page)
    screenshot("patient")

    starts_on = work_day["today"] + datetime.timedelta(days=1)
    page.goto(
        f"{live_server.url}/patients/{patient.pk}/care-plans/new/"
        f"?template={template.pk}&starts_on={starts_on.isoformat()}"
    )
    expect(page.get_by_role("heading", name="Tasks this plan will create")).to_be_visible()
    expect(page.locator(".intake-rows tbody tr")).to_have_count(3)
    found["care plan intake"] = serious_violations(page)
    screenshot("intake")

    failing = [f"{name}: {line}" for name, lines in found.items() for line in lines]
    assert failing == [], "\n".join(failing)
    assert page.console_log.csp_violations == []
    assert page.console_log.errors_but_cancelled == [], page.console_log.errors
