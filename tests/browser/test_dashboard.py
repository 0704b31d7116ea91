"""A manager's morning in a real browser: the dashboard draws its charts under the strict CSP,
with no console error and no serious accessibility violation, and a tile opens its queue."""

import datetime
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def morning(practice):
    """The practice's team with a manager, a colleague, overdue and completed work, a reassigned
    task, and 30 days of snapshots for the trend."""
    from accounts.models import User
    from accounts.roles import Role
    from dashboards.models import MetricSnapshot, SnapshotDay
    from tasks import actions
    from tasks.choices import TaskKind

    patient, coordinator, today = practice["patient"], practice["coordinator"], practice["today"]
    team = patient.care_team
    manager = User.objects.create_user(
        "manager", password=practice["password"], first_name="Morgan", last_name="Hale"
    )
    manager.groups.add(Group.objects.get(name=Role.MANAGER))
    assign_perm("accounts.work_in_careteam", manager, team)
    assign_perm("accounts.manage_careteam", manager, team)
    colleague = User.objects.create_user("colleague", first_name="Riley", last_name="Chen")
    colleague.groups.add(Group.objects.get(name=Role.COORDINATOR))
    assign_perm("accounts.work_in_careteam", colleague, team)

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
    return {**practice, "manager": manager}


def test_manager_dashboard_draws_its_charts_accessibly_and_opens_the_queue(
    live_server, page, morning, screenshot
):
    page.add_init_script(path=str(AXE))  # by the browser protocol, not a <script>: the CSP stays strict
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(morning["password"])
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    page.wait_for_function(
        "window.Chart && Chart.getChart('trend-chart') && Chart.getChart('completion-chart')"
    )
    page.wait_for_timeout(600)  # chart.js animates in
    screenshot("dashboard")

    trend = page.evaluate("Chart.getChart('trend-chart').data.datasets.map(d => d.data.length)")
    assert trend == [30, 30]
    assert page.locator("#trend-chart").get_attribute("role") == "img"

    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    assert page.console_log.csp_violations == []
    assert page.console_log.errors == []

    overdue = page.locator(".dash-tile").filter(has=page.get_by_role("heading", name="Overdue"))
    shown = int(overdue.locator(".dash-value").inner_text().split()[0])
    overdue.locator(".dash-value").click()
    expect(page.get_by_role("heading", name="Team queue")).to_be_visible()
    expect(page.locator("#queue-table .meta").first).to_contain_text(re.compile(rf"^{shown} tasks?"))
    screenshot("overdue-queue")
    assert page.console_log.errors == []
