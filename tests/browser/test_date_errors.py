"""A date outside its window, as a coordinator meets it in the browser: the error sits on the
field it is about, says the limit and why, and the task is left as it was."""

import datetime

import pytest
from playwright.sync_api import expect

from tasks.choices import Status, WaitingReason
from tasks.models import Task
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_wait_too_long_is_shown_on_its_field_and_changes_nothing(live_server, page, practice, screenshot):
    task = practice["task"]
    log_in(page, live_server.url, practice["coordinator"].username, practice["password"])
    page.goto(f"{live_server.url}{task.get_absolute_url()}")

    wait = page.locator("details[data-verb=wait]")
    wait.locator("summary").click()
    expect(wait.get_by_text("Within 180 days; a manager can set a longer wait.")).to_be_visible()
    wait.get_by_label("Reason").select_option(WaitingReason.REFERRAL_RESPONSE)
    wait.get_by_label("Waiting until").fill((practice["today"] + datetime.timedelta(days=200)).isoformat())
    with page.expect_response(lambda r: r.url.endswith(f"/tasks/{task.pk}/wait/")) as answered:
        wait.locator("form").get_by_role("button", name="Wait").click()

    assert answered.value.status == 400
    error = page.locator("details[data-verb=wait] .errorlist")
    expect(error).to_contain_text("A wait can last until")
    expect(error).to_contain_text("ask a manager of the team for a longer one")
    screenshot("wait-too-long")
    assert Task.objects.get(pk=task.pk).status == Status.NEW
    assert page.console_log.csp_violations == []


def test_a_due_date_years_ahead_is_shown_on_the_new_task_form(live_server, page, practice, screenshot):
    patient = practice["patient"]
    log_in(page, live_server.url, practice["coordinator"].username, practice["password"])
    page.goto(f"{live_server.url}/patients/{patient.pk}/tasks/new/")

    page.get_by_label("Title").fill("Call back about the referral")
    page.get_by_label("Due").fill(practice["today"].replace(year=practice["today"].year + 20).isoformat())
    page.get_by_role("button", name="Create task").click()

    expect(page.locator(".error")).to_contain_text("five years from today")
    screenshot("due-too-far")
    assert Task.objects.filter(title="Call back about the referral").count() == 0
    assert page.console_log.csp_violations == []
