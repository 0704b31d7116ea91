"""A manager's bulk actions in the team queue, in a real browser: the bar asks only the chosen
action's fields, cancelling asks for a second look, a row changed meanwhile is reported by patient
and task while the others apply, and Enter in an action's field runs that action."""

import datetime

import pytest
from playwright.sync_api import expect

from tasks.choices import ActivityKind, Status
from tasks.models import Activity, Task
from tests.browser.helpers import log_in, member, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager_day(work_day):
    from accounts.roles import Role
    from tasks import actions
    from tasks.choices import WaitingReason

    manager = member(work_day["patient"].care_team, "manager", "Morgan", "Hale", Role.MANAGER)
    waiting = actions.wait_task(
        work_day["due_today"],
        by=work_day["coordinator"],
        reason=WaitingReason.LAB_RESULT,
        until=work_day["today"] + datetime.timedelta(days=3),
    )
    return {**work_day, "manager": manager, "waiting": waiting}


def row(page, title):
    return page.locator("#queue-table .queue-row").filter(has_text=title)


def flashes(page):
    return page.locator(".flash")


def test_manager_cancels_and_reschedules_selected_rows(live_server, axe_page, manager_day, screenshot):
    page, d = axe_page, manager_day
    log_in(page, live_server.url, "manager", d["password"])
    page.goto(f"{live_server.url}/queue/")
    picked = [d["overdue"], d["oldest"], d["waiting"]]
    for task in picked:
        row(page, task.title).get_by_role("checkbox").check()
    bar = page.locator("#bulk-form")
    # The bar is one line: the count and an opener per action, whose fields hang under it.
    expect(bar.get_by_role("button", name="Cancel selected")).to_be_hidden()
    bar.locator("summary", has_text="Cancel…").click()
    expect(bar.get_by_role("button", name="Cancel selected")).to_be_visible()
    screenshot("selected")
    assert serious_violations(page) == []

    # Without a reason the browser stops the cancel; the reassign fields are not asked for.
    bar.get_by_role("button", name="Cancel selected").click()
    expect(page.locator("#id_bulk_cancel_reason:invalid")).to_have_count(1)
    expect(page.locator("#id_bulk_to:invalid")).to_have_count(0)
    assert Task.objects.filter(status=Status.CANCELLED).count() == 0

    # The coordinator starts one of them while the manager is looking.
    from tasks import actions

    actions.start_task(Task.objects.get(pk=d["oldest"].pk), by=d["coordinator"])

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.locator("#id_bulk_cancel_reason").fill("Patient moved to another practice")
    bar.get_by_role("button", name="Cancel selected").click()
    expect(flashes(page)).to_have_count(2)
    assert "(3)" in asked[0]
    expect(flashes(page).nth(0)).to_have_text("Cancelled 2 tasks.")
    expect(flashes(page).nth(1)).to_have_text(
        f"Lovelace, Ada — {d['oldest'].title}: changed by Casey Coleman since the queue was shown; "
        "left as it is."
    )
    screenshot("partly-refused")
    statuses = dict(Task.objects.filter(pk__in=[t.pk for t in picked]).values_list("title", "status"))
    assert statuses == {
        d["overdue"].title: Status.CANCELLED,
        d["oldest"].title: Status.IN_PROGRESS,
        d["waiting"].title: Status.CANCELLED,  # resumed, then cancelled
    }

    # Reschedule: Enter in its reason runs the reschedule, not the form's first action (reassign).
    later = d["today"] + datetime.timedelta(days=21)
    for task in (d["oldest"], d["upcoming"]):
        row(page, task.title).get_by_role("checkbox").check()
    bar.locator("summary", has_text="Reschedule…").click()
    expect(bar.get_by_role("button", name="Cancel selected")).to_be_hidden()  # one open at a time
    page.get_by_label("New due date").fill(later.isoformat())
    page.locator("#id_bulk_reschedule_reason").fill("Clinic closed that week")
    page.locator("#id_bulk_reschedule_reason").press("Enter")
    expect(flashes(page)).to_have_text(["Rescheduled 2 tasks."])
    screenshot("rescheduled")
    assert set(Task.objects.filter(due_on=later).values_list("pk", flat=True)) == {
        d["oldest"].pk,
        d["upcoming"].pk,
    }
    assert Activity.objects.filter(kind=ActivityKind.RESCHEDULE).count() == 2
    assert Activity.objects.filter(kind=ActivityKind.REASSIGNMENT).count() == 0
    assert page.console_log.csp_violations == []
    assert page.console_log.errors_but_cancelled == []
