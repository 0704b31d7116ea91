"""A manager's morning in a real browser: the dashboard draws its charts under the strict CSP,
with no console error and no serious accessibility violation, and a tile opens its queue."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in, member, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def morning(practice):
    """The practice's team with a manager, a colleague, overdue and completed work, a reassigned
    task, and 30 days of snapshots for the trend."""
    from accounts.roles import Role
    from dashboards import services
    from dashboards.models import MetricSnapshot, SnapshotDay
    from tasks import actions
    from tasks.choices import TaskKind

    patient, coordinator, today = practice["patient"], practice["coordinator"], practice["today"]
    team = patient.care_team
    manager = member(team, "manager", "Morgan", "Hale", Role.MANAGER)  # works in and manages the team
    colleague = member(team, "colleague", "Riley", "Chen", Role.COORDINATOR)

    def task(title, days, kind=TaskKind.OUTREACH_CALL, owner=coordinator):
        return actions.create_task(
            patient=patient,
            by=manager,
            title=title,
            kind=kind,
            owner=owner,
            due_on=today + datetime.timedelta(days=days),
        )

    task("Call about missed visit", -3)
    task("Book retinal screening", -1, TaskKind.SCREENING, colleague)
    task("Check-in call", 0, TaskKind.CHECK_IN)
    done = task("Lab order follow-up", 1, TaskKind.LAB)
    done = actions.reassign_task(done, by=manager, to=colleague, reason="Covering a vacation")
    actions.complete_task(done, by=colleague, outcome="Result filed")
    late = task("Referral follow-up", -2, TaskKind.REFERRAL)
    actions.complete_task(late, by=coordinator, outcome="Referral confirmed")

    days = [today - datetime.timedelta(days=n) for n in range(29, -1, -1)]
    SnapshotDay.objects.bulk_create(SnapshotDay(day=d, taken_at=manager.date_joined) for d in days)
    MetricSnapshot.objects.bulk_create(
        MetricSnapshot(
            day=d,
            care_team=team,
            location=patient.location,
            owner=coordinator,
            backlog=12 + n % 7 - n // 6,
            overdue=2 + n % 4,
        )
        for n, d in enumerate(days)
    )
    services.sum_team_snapshots(first=days[0], last=days[-1])
    return {**practice, "manager": manager}


def test_manager_dashboard_draws_its_charts_accessibly_and_opens_the_queue(
    live_server, axe_page, morning, screenshot
):
    page = axe_page
    log_in(page, live_server.url, "manager", morning["password"])

    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    # dashboard.js marks each canvas once chart.js has rendered it (without animation). Waiting on
    # the attribute needs no eval in the page: a string page.wait_for_function() does, and the
    # strict CSP refuses it.
    expect(page.locator("#trend-chart")).to_have_attribute("data-chart-drawn", "true")
    expect(page.locator("#completion-chart")).to_have_attribute("data-chart-drawn", "true")
    # The CCM tiles arrive after the page, from their own URL (htmx, under the same CSP).
    expect(page.get_by_role("heading", name="Billable this month")).to_be_visible()
    screenshot("dashboard")

    trend = page.evaluate("Chart.getChart('trend-chart').data.datasets.map(d => d.data.length)")
    assert trend == [30, 30]
    assert page.locator("#trend-chart").get_attribute("role") == "img"

    assert serious_violations(page) == []
    assert page.console_log.csp_violations == []
    assert page.console_log.errors == []

    overdue = page.locator(".dash-tile").filter(has=page.get_by_role("heading", name="Overdue"))
    shown = int(overdue.locator(".dash-value").inner_text().split()[0])
    overdue.locator(".dash-value").click()
    expect(page.get_by_role("heading", name="Team queue")).to_be_visible()
    expect(page.locator("#queue-table .meta").first).to_contain_text(re.compile(rf"^{shown} tasks?"))
    screenshot("overdue-queue")
    assert page.console_log.errors == []
