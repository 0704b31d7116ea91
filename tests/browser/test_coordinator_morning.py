"""A coordinator's morning, end to end in a real browser (issue #10): find the patient by name and
by date of birth, add a one-off call from My work, log two attempts, reschedule it with a reason,
hand it to a colleague; the colleague finds the handoff in the inbox and completes the call, and
the provider whose step waits for that call is told their step is next. The strict CSP holds
on every page on the way."""

import datetime

import pytest
from playwright.sync_api import expect

from notifications.models import Kind, Notification
from tasks.choices import ActivityKind, Status, TaskKind
from tasks.models import Activity, Task
from tests.browser.helpers import log_in, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _clean(page):
    assert page.console_log.csp_violations == [], "\n".join(page.console_log.csp_violations)
    assert page.console_log.errors_but_cancelled == [], "\n".join(page.console_log.errors)


def _log_out(page):
    page.locator(".site-header").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_a_coordinators_morning(live_server, page, practice, screenshot):
    from accounts.roles import Role
    from tasks.actions import create_task

    patient, coordinator, today = practice["patient"], practice["coordinator"], practice["today"]
    provider = patient.primary_provider
    colleague = member(patient.care_team, "colleague", "Riley", "Chen", Role.COORDINATOR)
    later = today + datetime.timedelta(days=3)

    log_in(page, live_server.url, "coordinator", practice["password"])

    # Find the patient from the header, by "First Last"...
    search = page.get_by_role("searchbox", name="Find a patient")
    search.fill("Ada Lovelace")
    expect(page.locator("#header-search-results")).to_contain_text("Lovelace, Ada")
    screenshot("header-search")

    # ...and, adding a call from My work, by the date of birth the caller gives.
    page.goto(f"{live_server.url}/work/")
    page.get_by_role("button", name="New task").click()
    expect(page.get_by_role("heading", name="New task")).to_be_visible()
    page.get_by_role("searchbox", name="Patient", exact=True).fill("12/10/1950")
    pick = page.get_by_role("button", name="New task for Ada Lovelace")
    expect(pick).to_be_visible()
    screenshot("pick-by-birth-date")
    pick.click()
    page.get_by_label("Title").fill("Call about the missed eye exam")
    page.get_by_label("Type").select_option(TaskKind.OUTREACH_CALL)
    page.get_by_label("Owner").select_option(str(coordinator.pk))
    page.get_by_label("Due").fill(today.isoformat())
    page.get_by_role("button", name="Create task").click()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    expect(page.locator(".flash")).to_contain_text("Task created: Call about the missed eye exam")
    call = Task.objects.get(title="Call about the missed eye exam")
    # The provider's follow-up waits for this call, as a template's step would.
    follow_up = create_task(
        patient=patient,
        by=provider,
        title="Review the eye exam result",
        kind=TaskKind.OTHER,
        owner=provider,
        due_on=later + datetime.timedelta(days=2),
        depends_on=call,
    )

    # Two attempts from the panel, each counted.
    page.reload()
    page.locator(".queue-row").filter(has_text=call.title).get_by_role("link", name=call.title).click()
    panel = page.locator("#work-panel .task-panel")
    for outcome, said in (("No answer", "1st"), ("Left message", "2nd")):
        attempt = panel.locator('details[data-verb="attempt"]')
        attempt.get_by_role("button", name=f"Log {said} attempt").click()
        attempt.get_by_label(outcome).check()
        attempt.get_by_role("button", name="Log attempt").click()
        panel = page.locator("#work-panel .task-panel")
        expect(panel.locator(".timeline li").first).to_contain_text(f"{said} attempt: {outcome}")
    expect(panel).to_contain_text("2 contact attempts")

    # Reschedule with a reason.
    change = panel.locator('details[data-verb="change"]')
    change.locator("summary").click()
    change.get_by_label("Due").fill(later.isoformat())
    change.get_by_label("Reason").fill("Patient asked for a call on Friday")
    change.locator("form").get_by_role("button", name="Change").click()
    panel = page.locator("#work-panel .task-panel")
    expect(panel.locator(".timeline li").first).to_contain_text("Rescheduled")
    expect(panel.locator(".timeline li").first).to_contain_text("Patient asked for a call on Friday")

    # Hand it to a colleague.
    reassign = panel.locator('details[data-verb="reassign"]')
    reassign.locator("summary").click()
    reassign.get_by_label("New owner").select_option(str(colleague.pk))
    reassign.get_by_label("Reason").fill("Riley covers my calls on Friday")
    reassign.locator("form").get_by_role("button", name="Reassign").click()
    expect(page.locator("#work-panel .task-panel")).to_contain_text("owner Riley Chen")
    screenshot("handed-over")
    _clean(page)
    _log_out(page)

    # The colleague hears of it, with who and why, and completes the call.
    log_in(page, live_server.url, "colleague", practice["password"])
    expect(page.locator(".site-header .count")).to_have_text("1")
    page.get_by_role("navigation").get_by_role("link", name="Inbox").click()
    expect(page.get_by_text("A task was reassigned to you")).to_be_visible()
    expect(page.get_by_text("by Casey Coleman: Riley covers my calls on Friday")).to_be_visible()
    screenshot("colleague-inbox")
    page.get_by_role("link", name=call.title).click()
    complete = page.locator('details[data-verb="complete"]')
    complete.locator("summary").click()
    complete.get_by_label("Outcome").fill("Reached; eye exam booked for next week")
    complete.locator("form").get_by_role("button", name="Complete").click()
    expect(page.locator(".task-panel .status")).to_have_text("Completed")
    _clean(page)
    _log_out(page)

    # The provider's step is next.
    log_in(page, live_server.url, "provider", practice["password"])
    page.get_by_role("navigation").get_by_role("link", name="Inbox").click()
    expect(page.get_by_text("Your step is next: the task yours waits for was completed")).to_be_visible()
    expect(page.get_by_role("link", name="Review the eye exam result")).to_be_visible()
    screenshot("provider-inbox")
    _clean(page)

    call.refresh_from_db()
    assert (call.status, call.owner, call.due_on, call.completed_by) == (
        Status.COMPLETED,
        colleague,
        later,
        colleague,
    )
    kinds = list(Activity.objects.filter(task=call).order_by("pk").values_list("kind", flat=True))
    assert kinds == [
        ActivityKind.CREATED,
        ActivityKind.CONTACT_ATTEMPT,
        ActivityKind.CONTACT_ATTEMPT,
        ActivityKind.RESCHEDULE,
        ActivityKind.REASSIGNMENT,
        ActivityKind.STATUS_CHANGE,
    ]
    assert sorted(Notification.objects.values_list("recipient__username", "kind")) == [
        ("colleague", Kind.REASSIGNED),
        ("provider", Kind.STEP_NEXT),
    ]
    assert Notification.objects.get(kind=Kind.STEP_NEXT).task == follow_up
