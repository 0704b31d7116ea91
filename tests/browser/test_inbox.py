"""The grouped inbox in a real browser: a manager's morning of escalations is one line, which opens
in place (htmx, on toggle) into its notices with each task's patient and owner; a line is
marked read at once."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from notifications.models import Kind, Notification
from tests.browser.helpers import log_in, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_opens_a_line_of_escalations_and_marks_it_read(live_server, axe_page, practice, screenshot):
    from accounts.roles import Role
    from tasks.actions import create_task
    from tasks.choices import TaskKind
    from tests.browser.helpers import serious_violations

    page, patient, coordinator = axe_page, practice["patient"], practice["coordinator"]
    manager = member(patient.care_team, "manager", "Morgan", "Hale", Role.MANAGER)
    tasks = [
        create_task(
            patient=patient,
            by=coordinator,
            title=f"Follow-up call {n}",
            kind=TaskKind.OUTREACH_CALL,
            owner=coordinator,
            due_on=practice["today"],
        )
        for n in range(1, 6)
    ]
    for task in tasks:
        Notification.objects.create(
            recipient=manager, task=task, kind=Kind.ESCALATION, level=1, day=task.due_on
        )
    Notification.objects.create(
        recipient=manager, task=tasks[0], kind=Kind.OVERDUE, day=task.due_on, read_at=timezone.now()
    )

    log_in(page, live_server.url, "manager", practice["password"])
    page.get_by_role("navigation").get_by_role("link", name="Inbox").click()
    line = page.locator("details.notice-group")
    expect(line.locator("summary")).to_have_text("Escalation · 5 notices · 5 unread")
    expect(page.get_by_text("A task you own is overdue")).to_be_visible()  # a line of one is itself
    screenshot("inbox-lines")

    with page.expect_response(lambda r: "/notifications/escalation/" in r.url) as opened:
        line.locator("summary").click()
    assert opened.value.request.headers.get("hx-request") == "true"
    expect(line.locator("tbody tr")).to_have_count(5)
    expect(line).to_contain_text("Lovelace, Ada · owner Casey Coleman")
    screenshot("inbox-line-open")
    assert serious_violations(page) == []

    line.get_by_role("button", name="Mark these read").click()
    expect(page.locator(".site-header .count")).to_have_count(0)
    assert not Notification.objects.filter(recipient=manager, read_at=None).exists()
    assert page.console_log.csp_violations == []
    assert page.console_log.errors_but_cancelled == []
