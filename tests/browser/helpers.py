"""What the browser tests share besides fixtures: the password of the users they make, a way to
make one, logging in through the login page, and reading axe-core's verdict."""

from playwright.sync_api import expect

from tests import factories

PASSWORD = "browser-test-password-1"


def member(team, username: str, first: str, last: str, role):
    """A user holding `role` who works in `team` (and manages it, for a Manager) and can log in
    with PASSWORD."""
    user = factories.member(role, team, username=username, first_name=first, last_name=last)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def log_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form and wait until the header shows the user logged in."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=f"Log out {username}")).to_be_visible()


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (the `axe_page` fixture
    injects axe)."""
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
