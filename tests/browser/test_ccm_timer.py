"""CCM time in a real browser: a coordinator starts the timer on a call in the task panel,
reloads (the timer keeps running, and what they typed is still there), stops it, and sees the
patient's minutes rise in the CCM worklist; the manager then exports the month, which closes it.
The strict CSP holds throughout."""

import csv
import datetime
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from ccm import actions
from ccm.models import ClosedMonth, RunningTimer, TimeEntry
from tests.browser.helpers import log_in, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _clean(page):
    assert page.console_log.csp_violations == [], "\n".join(page.console_log.csp_violations)
    assert page.console_log.errors_but_cancelled == [], "\n".join(page.console_log.errors)


def test_coordinator_times_a_call_and_the_manager_exports_the_month(live_server, page, practice, screenshot):
    patient, call, coordinator, today = (
        practice["patient"],
        practice["task"],
        practice["coordinator"],
        practice["today"],
    )
    member(patient.care_team, "manager", "Morgan", "Hale", Role.MANAGER)
    actions.record_consent(
        patient, by=coordinator, consented_on=today - datetime.timedelta(days=60), method="written"
    )
    actions.add_time(patient, by=coordinator, performed_on=today, minutes=14, description="Earlier call")

    log_in(page, live_server.url, "coordinator", practice["password"])
    page.goto(f"{live_server.url}/tasks/{call.pk}/")
    timer = page.locator(".ccm-timer")
    expect(timer.locator("[data-ccm-month-minutes]")).to_have_text("14")
    with page.expect_response(lambda r: r.url.endswith(f"/ccm/tasks/{call.pk}/timer/start/")) as started:
        timer.get_by_role("button", name="Start timer").click()
    assert started.value.status == 200
    timer = page.locator(".ccm-timer")
    expect(timer.get_by_role("status")).to_contain_text("Timer running since")
    timer.locator(".ccm-timer-stop").get_by_label("What was done").fill("Called about the A1c lab order")
    # The call goes on for seven minutes: the server's start stamp is what counts.
    RunningTimer.objects.filter(task=call).update(
        started_at=RunningTimer.objects.get(task=call).started_at - datetime.timedelta(minutes=7)
    )

    page.reload()
    timer = page.locator(".ccm-timer")
    expect(timer.get_by_role("status")).to_contain_text("Timer running since")
    expect(timer.locator("[data-ccm-elapsed]")).to_contain_text("7:")
    expect(timer.locator(".ccm-timer-stop").get_by_label("What was done")).to_have_value(
        "Called about the A1c lab order"
    )  # kept in localStorage
    screenshot("timer-running-after-reload")
    with page.expect_response(lambda r: r.url.endswith(f"/ccm/tasks/{call.pk}/timer/stop/")) as stopped:
        timer.get_by_role("button", name="Stop timer").click()
    assert stopped.value.status == 200
    entry = TimeEntry.objects.get(task=call)
    assert (entry.author, entry.description, entry.minutes) == (
        coordinator,
        "Called about the A1c lab order",
        7,  # seven minutes and the seconds the test took: the nearest minute
    )
    timer = page.locator(".ccm-timer")
    expect(timer.get_by_role("button", name="Start timer")).to_be_visible()
    # Said in the panel the stop swapped in, not on the next page.
    expect(timer.get_by_role("status")).to_contain_text("Recorded 7 minutes")
    expect(timer.locator("[data-ccm-month-minutes]")).to_have_text("21")
    assert page.evaluate(f"window.localStorage.getItem('ccm-timer-draft:{call.pk}')") is None

    page.goto(f"{live_server.url}/ccm/")
    row = page.locator(f'tr[data-patient="{patient.pk}"]')
    expect(row.locator("[data-ccm-clinical]")).to_have_text("21")
    screenshot("worklist")
    row.get_by_role("link", name="Open tasks").click()
    expect(page.locator("#open-tasks")).to_contain_text(call.title)
    _clean(page)
    page.get_by_role("button", name="Log out coordinator").click()

    log_in(page, live_server.url, "manager", practice["password"])
    page.goto(f"{live_server.url}/ccm/billing/")
    expect(page.locator(".ccm-billing")).to_contain_text("99490")
    # The month picker: wide enough to read the month, not stretched across the page, and its
    # button beside it, as tall as the field (it was a full-width field over a thin bar).
    month = page.get_by_label("Month", exact=True).bounding_box()
    show = page.get_by_role("button", name="Show").bounding_box()
    assert 200 <= month["width"] <= 400, month
    assert show["x"] > month["x"] + month["width"] and abs(show["y"] - month["y"]) < 4, (month, show)
    assert abs(show["height"] - month["height"]) < 4, (month, show)
    screenshot("billing")
    page.get_by_label("now, before it ends").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="and close the month").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert [(r["mrn"], r["code"], r["minutes"]) for r in rows] == [("MRN-1001", "99490", "21")]
    assert ClosedMonth.objects.get().month == today.replace(day=1)
    _clean(page)
