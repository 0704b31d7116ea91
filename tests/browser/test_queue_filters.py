"""The team queue's filters and bulk bar in a real browser: checkbox dropdowns on one line, the
rest under "More filters", a saved filter opened from the queue and from My work, an error that
looks like one, and the bulk bar staying in reach while rows are ticked. The CSP holds."""

import datetime

import pytest
from playwright.sync_api import expect

from tasks.choices import TaskKind
from tasks.models import SavedFilter, Task
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import log_in, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_clean(page):
    log = page.console_log
    assert log.csp_violations == [], "\n".join(log.csp_violations)
    assert log.errors_but_cancelled == [], "\n".join(log.errors)


def dropdown(page, label):
    return page.locator("fieldset.filter-choices").filter(has=page.locator("legend", has_text=label))


@pytest.fixture
def busy_team(work_day):
    """work_day's team with a manager and forty more calls: a queue longer than the window."""
    from accounts.roles import Role
    from tasks.actions import create_task
    from tests.browser.helpers import member

    patient, today = work_day["patient"], work_day["today"]
    manager = member(patient.care_team, "manager", "Morgan", "Reyes", Role.MANAGER)
    for i in range(40):
        create_task(
            patient=patient,
            by=manager,
            title=f"Reminder call {i + 1}",
            kind=TaskKind.OUTREACH_CALL,
            owner=work_day["colleague"],
            due_on=today + datetime.timedelta(days=3 + i % 20),
        )
    return {**work_day, "manager": manager}


def test_coordinator_filters_saves_and_reopens_a_filter(live_server, axe_page, work_day, screenshot):
    page = axe_page
    coordinator = work_day["coordinator"]
    log_in(page, live_server.url, "coordinator", work_day["password"])
    page.goto(f"{live_server.url}/queue/")
    expect(page.locator("details.more-filters")).not_to_have_attribute("open", "")
    screenshot("folded")

    status = dropdown(page, "Status")
    status.locator("summary").click()
    status.get_by_label("New").check()
    status.get_by_label("In progress").check()
    expect(status.locator(".chosen")).to_have_text("New, In progress")
    dropdown(page, "Type").locator("summary").click()  # opening one folds the other
    expect(status.locator("details")).not_to_have_attribute("open", "")
    dropdown(page, "Type").get_by_label("Outreach call").check()
    owner = dropdown(page, "Owner")
    owner.locator("summary").click()
    owner.get_by_label("Casey Coleman (you)").check()
    page.get_by_role("heading", name="Team queue").click()  # a click elsewhere folds it
    expect(owner.locator("details")).not_to_have_attribute("open", "")
    page.get_by_role("button", name="Apply").click()

    mine = ["Call about missed visit", "Call about A1c lab order"]  # due order
    expect(page.locator("#queue-table .task-link")).to_have_text(mine)
    assert f"status=new&status=in_progress&kind=outreach_call&owner={coordinator.pk}" in page.url

    page.get_by_text("Save this filter…").click()
    page.get_by_label("Name of the saved filter").fill("My open calls")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Saved “My open calls”")
    expect(page.locator(".saved-filters a[aria-current]")).to_have_text("My open calls")
    screenshot("saved")

    # The same name again: refused, in red, with the filters still set.
    page.get_by_text("Save this filter…").click()
    page.get_by_label("Name of the saved filter").fill("my open calls")
    page.get_by_role("button", name="Save", exact=True).click()
    error = page.locator(".flash-error")
    expect(error).to_contain_text("You already have a saved filter named “my open calls”")
    expect(error).to_have_attribute("role", "alert")
    assert error.evaluate("e => getComputedStyle(e).color") == "rgb(179, 38, 30)"
    expect(page.locator("#queue-table .task-link")).to_have_text(mine)
    screenshot("error")
    assert serious_violations(page) == []
    assert SavedFilter.objects.filter(user=coordinator).count() == 1

    # From My work, the saved filter opens the queue on it; there it can be deleted.
    page.goto(f"{live_server.url}/work/")
    page.get_by_role("navigation", name="Saved filters").get_by_role("link", name="My open calls").click()
    expect(page.locator("#queue-table .task-link")).to_have_text(mine)
    page.get_by_role("button", name="Delete the saved filter My open calls").click()
    expect(page.locator(".flash-success")).to_contain_text("Deleted the saved filter “My open calls”")
    expect(page.locator("#queue-table .task-link")).to_have_text(mine)  # the filters stay
    assert not SavedFilter.objects.exists()
    assert_clean(page)


def test_manager_sees_more_filters_open_and_the_bulk_bar_follows_the_ticked_rows(
    live_server, page, busy_team, screenshot
):
    colleague, coordinator = busy_team["colleague"], busy_team["coordinator"]
    log_in(page, live_server.url, "manager", busy_team["password"])
    page.goto(f"{live_server.url}/queue/?owner={colleague.pk}&due_on_after=2000-01-01")
    expect(page.locator("details.more-filters")).to_have_attribute("open", "")
    expect(dropdown(page, "Owner").locator(".chosen")).to_have_text("Riley Chen")
    screenshot("expanded")

    bar = page.locator(".bulk-bar")
    expect(bar.locator(".bulk-count")).to_have_text("Tick tasks in the list to act on them")
    rows = page.locator("#queue-table .queue-row")
    rows.nth(0).get_by_role("checkbox").check()
    rows.nth(1).get_by_role("checkbox").check()
    expect(bar.locator(".bulk-count")).to_have_text("2 selected")
    expect(page.locator("#bulk-form")).to_have_class("has-selection")

    rows.nth(35).scroll_into_view_if_needed()
    rows.nth(35).get_by_role("checkbox").check()
    expect(bar.locator(".bulk-count")).to_have_text("3 selected")
    assert abs(bar.bounding_box()["y"]) < 2  # stuck at the top of the window, not scrolled away
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "test_queue_bulk_bar_sticky.png"), caret="initial")

    bar.locator("summary", has_text="Reassign…").click()
    bar.get_by_label("New owner").select_option(label=str(coordinator))
    bar.get_by_role("group", name="Reassign selected tasks").get_by_label("Reason").fill("Riley is on leave")
    bar.get_by_role("button", name="Reassign selected").click()
    expect(page.locator(".flash-success")).to_have_text("Reassigned 3 tasks.")
    assert Task.objects.filter(owner=coordinator, title__startswith="Reminder call").count() == 3
    expect(page.locator("#bulk-form")).not_to_have_class("has-selection")
    assert_clean(page)
