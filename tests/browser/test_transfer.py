"""A patient's transfer in a real browser, by a manager of both teams: the preview proposes an
owner per open task in the new team, one is changed, and the patient arrives with their tasks."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in, member, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_teams(work_day):
    from guardian.shortcuts import assign_perm

    from accounts.models import CareTeam
    from accounts.roles import Role

    blue = work_day["patient"].care_team
    green = CareTeam.objects.create(name="Team Green", location=blue.location)
    CareTeam.objects.create(name="Team Red", location=blue.location)  # managed by nobody here
    manager = member(blue, "manager", "Morgan", "Reyes", Role.MANAGER)
    assign_perm("accounts.work_in_careteam", manager, green)
    assign_perm("accounts.manage_careteam", manager, green)
    return {
        **work_day,
        "green": green,
        "gina": member(green, "gina", "Gina", "Green", Role.COORDINATOR),
        "glen": member(green, "glen", "Glen", "Gardner", Role.COORDINATOR),
        "grace": member(green, "grace", "Grace", "Gupta", Role.PROVIDER),
    }


def test_a_manager_of_both_teams_transfers_a_patient(live_server, axe_page, two_teams, screenshot):
    page, patient = axe_page, two_teams["patient"]
    log_in(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.get_by_role("link", name="Transfer to another team").click()
    screenshot("pick")

    page.get_by_label(f"Move from {patient.care_team} to").select_option(label="Team Green")
    page.get_by_role("button", name="Preview the transfer").click()
    confirm = page.get_by_role("button", name="Transfer to Team Green")
    expect(confirm).to_be_enabled()
    owner = page.get_by_label("Owner of Call about missed visit in Team Green")
    owner.select_option(label=owner.locator("option", has_text="Glen Gardner").inner_text())
    page.get_by_label("Reason for the transfer").fill("Moved closer to the Green clinic")
    screenshot("preview")
    assert serious_violations(page) == []
    assert page.console_log.csp_violations == []

    confirm.click()

    expect(page.get_by_role("status")).to_contain_text("moved from Team Blue to Team Green with 5 tasks")
    expect(page.get_by_text("Care team Team Green")).to_be_visible()
    screenshot("after")
    assert page.console_log.errors_but_cancelled == []
    patient.refresh_from_db()
    owners = {t.title: t.owner.username for t in patient.tasks.select_related("owner")}
    assert owners["Call about missed visit"] == "glen"
    assert set(owners.values()) <= {"gina", "glen"}


def test_changing_the_team_after_a_preview_asks_for_a_new_preview(live_server, page, two_teams):
    from guardian.shortcuts import assign_perm

    from accounts.models import CareTeam, User

    assign_perm(
        "accounts.manage_careteam",
        User.objects.get(username="manager"),
        CareTeam.objects.get(name="Team Red"),
    )
    log_in(page, live_server.url, "manager")
    page.goto(
        f"{live_server.url}/patients/{two_teams['patient'].pk}/transfer/?to_team={two_teams['green'].pk}"
    )
    confirm = page.get_by_role("button", name="Transfer to Team Green")
    expect(confirm).to_be_enabled()

    page.get_by_label("Move from Team Blue to").select_option(label="Team Red")

    expect(confirm).to_be_disabled()
    expect(page.get_by_text("changed since this preview")).to_be_visible()
