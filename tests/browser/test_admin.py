"""A practice administrator's visit in a real browser at 1280 px: logging in lands in the admin,
a coordinator's team right is read and changed in words, the role editor shows the product's
rights, and a care plan template's steps fit the screen with their due rule in words. No page
reports a CSP violation or a console error."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PASSWORD, log_in, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def office(work_day):
    """The work day's practice (a coordinator of Team Blue, a template), a second team, and an
    administrator: the Admin role, staff, in no team."""
    from accounts.models import CareTeam
    from accounts.roles import Role
    from tests import factories

    team = work_day["patient"].care_team
    other = CareTeam.objects.create(name="Team Green", location=team.location)
    admin = factories.UserFactory(
        username="officeadmin", first_name="Alex", last_name="Admin", roles=[Role.ADMIN], is_staff=True
    )
    admin.set_password(PASSWORD)
    admin.save(update_fields=["password"])
    member(other, "greencoord", "Gray", "Green", Role.COORDINATOR)
    return {**work_day, "admin": admin, "other_team": other}


def _no_horizontal_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_an_administrator_manages_rights_and_templates_in_words(page, live_server, office, screenshot):
    page.set_viewport_size({"width": 1280, "height": 800})
    coordinator, template = office["coordinator"], office["template"]

    log_in(page, live_server.url, "officeadmin")  # sets up the authenticator the role requires
    expect(page).to_have_url(f"{live_server.url}/admin/")
    screenshot("admin-index")

    page.goto(f"{live_server.url}/admin/accounts/user/{coordinator.pk}/change/")
    rights = page.locator(".field-team_rights")
    expect(rights).to_contain_text("Member of Team Blue")
    expect(page.get_by_text("CONTENT OBJECT")).to_have_count(0)
    new_row = page.locator("#careteamuserobjectpermission_set-1")
    new_row.locator("select[name$='-content_object']").select_option(label="Team Green")
    new_row.get_by_label("Manager: works in the team and manages it", exact=False).check()
    _no_horizontal_scroll(page)
    screenshot("user-granting")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(rights).to_contain_text("Manager of Team Green")
    expect(page.locator(".field-team_rights_history")).to_contain_text(
        "granted Manager of Team Green, by Alex Admin"
    )
    screenshot("user-granted")

    page.goto(f"{live_server.url}/admin/auth/group/")
    page.get_by_role("link", name="Care Coordinator").click()
    expect(page.locator(".rights-area legend")).to_have_text(
        [
            "Tasks",
            "Care plans",
            "Dashboards",
            "Chronic care management",
            "Notifications",
            "Imports",
            "Audit",
            "Admin: users and roles",
            "Admin: sign-in",
            "Admin: care teams and locations",
            "Admin: programs and templates",
            "Admin: audit",
        ]
    )
    expect(page.get_by_label("Hand their own tasks to a teammate, with a reason")).to_be_checked()
    _no_horizontal_scroll(page)
    screenshot("role-editor")

    page.goto(f"{live_server.url}/admin/careplans/careplantemplate/{template.pk}/change/")
    steps = page.locator("#tasks-group .field-due_rule_display .readonly")
    expect(steps.nth(0)).to_have_text("2 days after plan start")
    expect(steps.nth(1)).to_have_text("7 days before the next appointment (plan start if none is booked)")
    expect(steps.nth(2)).to_have_text("30 days after plan start, then every 30 days until the plan ends")
    _no_horizontal_scroll(page)
    screenshot("template")

    assert page.console_log.csp_violations == []
    assert page.console_log.errors_but_cancelled == []


def test_an_administrator_sees_no_patient_and_cannot_raise_its_own_rights(
    page, live_server, office, screenshot
):
    """The admin index lists no patient record; the administrator's own page shows their role,
    Uses the admin and team rights as text; the role they hold opens read-only."""
    from django.contrib.auth.models import Group

    from accounts.roles import Role

    page.set_viewport_size({"width": 1280, "height": 800})
    admin = office["admin"]
    log_in(page, live_server.url, "officeadmin")  # with the second step the role requires
    expect(page).to_have_url(f"{live_server.url}/admin/")
    for model in ("careplans/patient", "careplans/careplan", "tasks/task", "notifications/notification"):
        expect(page.locator(f"#content-main a[href='/admin/{model}/']")).to_have_count(0)
    expect(page.get_by_role("link", name="Care plan templates")).to_be_visible()
    screenshot("index")

    page.goto(f"{live_server.url}/admin/accounts/user/{admin.pk}/change/")
    expect(page.locator(".field-role_names")).to_contain_text("Admin")
    expect(page.locator(".field-uses_admin")).to_be_visible()
    expect(page.locator("input[name='groups']")).to_have_count(0)
    expect(page.locator("input[name='is_staff']")).to_have_count(0)
    expect(page.locator("select[name$='-content_object']")).to_have_count(0)
    screenshot("own-page")

    page.goto(f"{live_server.url}/admin/auth/group/{Group.objects.get(name=Role.ADMIN).pk}/change/")
    expect(page.locator("input[name='rights']")).to_have_count(0)
    expect(page.locator(".field-held_rights")).to_contain_text("Admin: users and roles: See users")
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    screenshot("own-role")

    assert page.console_log.csp_violations == []
    assert page.console_log.errors_but_cancelled == []
