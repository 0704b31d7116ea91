"""A coordinator's day in a real browser: log in, find the patient, work a task through htmx,
and the strict CSP holds on every page on the way."""

import datetime

import pytest
from playwright.sync_api import expect

from careplans.templatetags.practice_dates import short_date
from tasks.choices import Status, WaitingReason
from tasks.models import Task
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def action_form(page, verb):
    """The <details> holding one action's form; its summary opens it."""
    return page.locator("details").filter(has=page.locator("summary", has_text=verb))


def test_coordinator_starts_then_parks_a_task_without_csp_errors(live_server, page, practice, screenshot):
    task = practice["task"]
    until = practice["today"] + datetime.timedelta(days=5)

    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    screenshot("login")
    log_in(page, live_server.url, practice["coordinator"].username, practice["password"])
    screenshot("landing")

    page.get_by_role("navigation").get_by_role("link", name="Patients").click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    screenshot("patient-list")
    page.get_by_role("link", name="Lovelace, Ada").click()

    expect(page.get_by_role("heading", name="Lovelace, Ada")).to_be_visible()
    expect(page.get_by_text("MRN MRN-1001")).to_be_visible()
    screenshot("patient")
    page.locator("table.tasks").get_by_role("link", name="Call about A1c lab order").click()

    expect(page.get_by_role("heading", name="Call about A1c lab order")).to_be_visible()
    expect(page.locator(".task-panel .status")).to_have_text("New")
    screenshot("task-new")

    # A marker on window survives only if the panel is swapped by htmx, not by a full page load.
    page.evaluate("window.__noReload = true")

    start = action_form(page, "Start")
    start.locator("summary").click()
    with page.expect_response(lambda r: r.url.endswith(f"/tasks/{task.pk}/start/")) as started:
        start.locator("form").get_by_role("button", name="Start").click()
    assert started.value.request.headers.get("hx-request") == "true"
    expect(page.locator(".task-panel .status")).to_have_text("In progress")
    screenshot("task-started")

    wait = action_form(page, "Wait")
    wait.locator("summary").click()
    wait.get_by_label("Reason").select_option(WaitingReason.PATIENT_CALLBACK)
    wait.get_by_label("Waiting until").fill(until.isoformat())
    wait.get_by_label("Note").fill("Left a voicemail; she will call back after her lab draw.")
    with page.expect_response(lambda r: r.url.endswith(f"/tasks/{task.pk}/wait/")) as waited:
        wait.locator("form").get_by_role("button", name="Wait").click()
    assert waited.value.status == 200
    assert waited.value.request.headers.get("hx-request") == "true"

    panel = page.locator(".task-panel")
    expect(panel.locator(".status")).to_have_text("Waiting")
    expect(panel).to_contain_text(f"Waiting for patient callback until {short_date(until)}")
    expect(panel.locator(".timeline")).to_contain_text("In progress → Waiting")
    assert page.evaluate("window.__noReload") is True
    screenshot("task-waiting")

    task = Task.objects.get(pk=task.pk)
    assert (task.status, task.waiting_reason, task.waiting_until) == (
        Status.WAITING,
        WaitingReason.PATIENT_CALLBACK,
        until,
    )

    # Back on the patient page the table shows the new status too.
    page.get_by_role("link", name="Lovelace, Ada", exact=True).first.click()
    expect(page.locator("table.tasks").first).to_contain_text("Waiting")
    screenshot("patient-after")

    log = page.console_log
    assert log.csp_violations == [], "\n".join(log.csp_violations)
    assert log.errors_but_cancelled == [], "\n".join(log.errors_but_cancelled)


def test_refused_wait_shows_the_reason_in_place(live_server, page, practice, screenshot):
    """A wait that ends in the past passes the browser's own checks, is refused by the server
    with a 400, and htmx swaps the refusal in so the coordinator sees why on the same page."""
    task = practice["task"]
    log_in(page, live_server.url, practice["coordinator"].username, practice["password"])
    page.goto(f"{live_server.url}{task.get_absolute_url()}")

    wait = action_form(page, "Wait")
    wait.locator("summary").click()
    wait.get_by_label("Reason").select_option(WaitingReason.LAB_RESULT)
    wait.get_by_label("Waiting until").fill((practice["today"] - datetime.timedelta(days=1)).isoformat())
    with page.expect_response(lambda r: r.url.endswith(f"/tasks/{task.pk}/wait/")) as refused:
        wait.locator("form").get_by_role("button", name="Wait").click()
    assert refused.value.status == 400

    panel = page.locator(".task-panel")
    expect(panel.locator(".status")).to_have_text("New")
    expect(panel).to_contain_text("cannot be in the past")
    screenshot("wait-refused")
    assert Task.objects.get(pk=task.pk).status == Status.NEW

    log = page.console_log
    assert log.csp_violations == [], log.csp_violations
    # The 400 is the expected answer here; anything else the page reported is not.
    assert [e for e in log.errors_but_cancelled if "/wait/" not in e and "400" not in e] == [], log.errors
