"""The coordinator work surface in a real browser: My work, the task side panel and its htmx
actions, the queue sections refreshing on the "taskChanged" trigger, handoff to a colleague, the
front desk's view of a patient, and the keyboard. The strict CSP holds on every page visited."""

import csv
import datetime
import io
import re

import pytest
from playwright.sync_api import expect

from careplans.templatetags.practice_dates import short_date
from tasks.choices import ActivityKind, ContactOutcome, Status, WaitingReason
from tasks.models import Activity, Task
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def csp_events(page):
    """`securitypolicyviolation` events from every document the page loads, reported to Python as
    they happen so a navigation cannot lose them. The listener is installed by the browser
    protocol, not by a <script>, so it does not itself need a CSP exception."""
    events: list[str] = []
    page.expose_function("__reportCspViolation", lambda line: events.append(line))
    page.add_init_script(
        """document.addEventListener("securitypolicyviolation", (e) =>
            window.__reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI} in ${e.sourceFile}:${e.lineNumber}`));"""
    )
    return events


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def section(page, label):
    return page.locator("#my-work-sections .queue-section").filter(
        has=page.get_by_role("heading", name=re.compile(rf"^{re.escape(label)}"))
    )


def section_count(page, label):
    return section(page, label).locator("h2 .count")


def open_from_row(page, title):
    """Click the task's link in its My work row; htmx loads it into the side panel."""
    row = page.locator("#my-work-sections .queue-row").filter(has_text=title)
    # Before htmx has set up (a loaded machine), the link would open the full page instead.
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined")
    with page.expect_response(lambda r: "/tasks/" in r.url and r.request.headers.get("hx-request") == "true"):
        row.get_by_role("link", name=title).click()
    panel = page.locator("#work-panel .task-panel")
    expect(panel.get_by_role("heading", name=title)).to_be_visible()
    return panel


def act(page, panel, task, verb, fill, button=None):
    """Open the verb's form in the panel, fill it, submit it through htmx (its `button`, by
    default named after the verb), and wait for both the action's answer and the queue sections'
    refresh that its HX-Trigger sets off."""
    details = panel.locator(f'details[data-verb="{verb}"]')
    details.locator("summary").click()
    fill(details)

    def is_refresh(response):
        request = response.request
        return (
            response.url.endswith("/work/")
            and request.method == "GET"
            and request.headers.get("hx-request") == "true"
        )

    def is_answer(response):
        return response.url.endswith(f"/tasks/{task.pk}/{verb}/")

    with page.expect_response(is_refresh) as refreshed, page.expect_response(is_answer) as answered:
        details.locator("form").get_by_role("button", name=button or verb.capitalize()).click()
    assert answered.value.status == 200, answered.value.text()
    assert answered.value.request.headers.get("hx-request") == "true"
    assert answered.value.headers.get("hx-trigger") == "taskChanged"
    assert refreshed.value.status == 200
    return page.locator("#work-panel .task-panel")


def assert_clean(page, csp_events):
    log = page.console_log
    assert csp_events == [], "\n".join(csp_events)
    assert log.csp_violations == [], "\n".join(log.csp_violations)
    assert log.errors_but_cancelled == [], "\n".join(log.errors)


def test_coordinator_works_four_tasks_from_my_work_and_the_colleague_finds_the_handoff(
    live_server, page, work_day, screenshot, csp_events
):
    coordinator, colleague = work_day["coordinator"], work_day["colleague"]
    today, password = work_day["today"], work_day["password"]
    until = today + datetime.timedelta(days=5)

    log_in(page, live_server.url, "coordinator", password)
    # A coordinator's home is My work.
    expect(page).to_have_url(f"{live_server.url}/work/")
    expect(page.get_by_role("heading", name="My work", exact=True)).to_be_visible()
    expect(section_count(page, "Overdue")).to_have_text("2")
    expect(section_count(page, "Due today")).to_have_text("1")
    expect(section_count(page, "Upcoming")).to_have_text("1")
    expect(section_count(page, "Waiting")).to_have_text("0")
    # Overdue oldest first, and the next action names the oldest overdue task.
    expect(section(page, "Overdue").locator(".task-link")).to_have_text(
        ["Call about missed visit", "Referral follow-up"]
    )
    expect(page.locator(".next-up")).to_contain_text("Next: Call about missed visit")
    page.evaluate("window.__noReload = true")  # survives only if nothing reloads the page
    screenshot("my-work")

    # 1. Park the upcoming call until the patient calls back.
    waiting = work_day["upcoming"]
    panel = open_from_row(page, waiting.title)
    expect(page.locator(".queue-row.selected")).to_contain_text(waiting.title)

    def fill_wait(form):
        form.get_by_label("Reason").select_option(WaitingReason.PATIENT_CALLBACK)
        form.get_by_label("Waiting until").fill(until.isoformat())
        form.get_by_label("Note").fill("Left a voicemail; she will call back after her lab draw.")

    panel = act(page, panel, waiting, "wait", fill_wait)
    expect(panel.locator(".status")).to_have_text("Waiting")
    expect(panel).to_contain_text(f"Waiting for patient callback until {short_date(until)}")
    expect(section_count(page, "Upcoming")).to_have_text("0")
    expect(section_count(page, "Waiting")).to_have_text("1")
    expect(section(page, "Waiting").locator(".queue-row")).to_contain_text(
        f"Patient callback until {short_date(until)}"
    )
    expect(section(page, "Upcoming")).to_contain_text("Nothing due in the next 7 days.")
    screenshot("waiting")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.waiting_reason, waiting.waiting_until) == (
        Status.WAITING,
        WaitingReason.PATIENT_CALLBACK,
        until,
    )
    moved = Activity.objects.filter(task=waiting, kind=ActivityKind.STATUS_CHANGE).latest("pk")
    assert (moved.actor, moved.from_status, moved.to_status) == (coordinator, Status.NEW, Status.WAITING)

    # 2. Complete the oldest overdue call with its outcome; the Next line moves on with the list.
    done = work_day["oldest"]
    panel = open_from_row(page, done.title)
    outcome = "Reached her; the missed visit is rebooked for next Tuesday."
    panel = act(page, panel, done, "complete", lambda form: form.get_by_label("Outcome").fill(outcome))
    expect(panel.locator(".status")).to_have_text("Completed")
    expect(panel).to_contain_text(f"Outcome: {outcome}")
    expect(panel.locator(".timeline")).to_contain_text("New → Completed")
    expect(section_count(page, "Overdue")).to_have_text("1")
    expect(section(page, "Overdue").locator(".task-link")).to_have_text(["Referral follow-up"])
    expect(page.locator(".next-up")).to_contain_text("Next: Referral follow-up")
    done.refresh_from_db()
    assert (done.status, done.outcome, done.completed_by) == (Status.COMPLETED, outcome, coordinator)
    moved = Activity.objects.filter(task=done, kind=ActivityKind.STATUS_CHANGE).latest("pk")
    assert (moved.actor, moved.to_status, moved.body) == (coordinator, Status.COMPLETED, outcome)

    # 3. Hand the overdue referral to a colleague of the same care team.
    handed = work_day["overdue"]
    panel = open_from_row(page, handed.title)
    reason = "Riley covers referrals this week."

    def fill_reassign(form):
        form.get_by_label("New owner").select_option(label="Riley Chen")
        form.get_by_label("Reason").fill(reason)

    panel = act(page, panel, handed, "reassign", fill_reassign)
    expect(panel).to_contain_text("owner Riley Chen")
    expect(panel.locator(".timeline")).to_contain_text("Casey Coleman → Riley Chen")
    expect(panel.locator(".timeline")).to_contain_text(reason)
    expect(section_count(page, "Overdue")).to_have_text("0")
    expect(page.locator("#my-work-sections")).not_to_contain_text(handed.title)
    expect(page.locator(".next-up")).to_contain_text("Next: Check-in call")
    handed.refresh_from_db()
    assert (handed.owner, handed.status) == (colleague, Status.NEW)
    moved = Activity.objects.get(task=handed, kind=ActivityKind.REASSIGNMENT)
    assert (moved.actor, moved.from_owner, moved.to_owner, moved.body) == (
        coordinator,
        coordinator,
        colleague,
        reason,
    )

    # 4. Log a contact attempt on today's check-in.
    called = work_day["due_today"]
    panel = open_from_row(page, called.title)
    note = "Voicemail on her mobile; will try again this afternoon."

    def fill_attempt(form):
        form.get_by_label("Left message").check()
        form.get_by_label("Note").fill(note)

    expect(panel.get_by_role("button", name="Log 1st attempt")).to_be_visible()
    panel = act(page, panel, called, "attempt", fill_attempt, button="Log attempt")
    expect(panel.locator(".timeline li").first).to_contain_text("1st attempt: Left message")
    expect(panel.get_by_role("button", name="Log 2nd attempt")).to_be_visible()
    expect(panel.locator(".timeline li").first).to_contain_text(note)
    # An attempt changes nothing on the task: it stays due today and next in line.
    expect(section(page, "Due today").locator(".task-link")).to_have_text([called.title])
    expect(page.locator(".next-up")).to_contain_text("Next: Check-in call")
    screenshot("after-four-actions")
    called.refresh_from_db()
    assert (called.status, called.owner) == (Status.NEW, coordinator)
    attempt = Activity.objects.get(task=called, kind=ActivityKind.CONTACT_ATTEMPT)
    assert (attempt.actor, attempt.contact_outcome, attempt.body) == (
        coordinator,
        ContactOutcome.LEFT_MESSAGE,
        note,
    )

    # All four without a page load.
    assert page.evaluate("window.__noReload") is True
    assert_clean(page, csp_events)

    # The colleague logs in and finds the referral in their own My work, overdue.
    log_out(page)
    log_in(page, live_server.url, "colleague", password)
    expect(page).to_have_url(f"{live_server.url}/work/")
    expect(section_count(page, "Overdue")).to_have_text("1")
    row = section(page, "Overdue").locator(".queue-row")
    expect(row).to_contain_text(handed.title)
    expect(row).to_contain_text("Lovelace, Ada")
    panel = open_from_row(page, handed.title)
    expect(panel).to_contain_text("owner Riley Chen")
    expect(panel.locator('details[data-verb="start"]')).to_be_visible()  # theirs to work now
    screenshot("colleague-my-work")
    assert Task.objects.filter(owner=colleague).open().count() == 1
    assert_clean(page, csp_events)


def test_front_desk_sees_appointments_but_no_goals_or_interventions(
    live_server, page, work_day, screenshot, csp_events
):
    patient = work_day["patient"]
    log_in(page, live_server.url, "frontdesk", work_day["password"])
    page.get_by_role("navigation").get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="Lovelace, Ada").click()

    expect(page.get_by_role("heading", name="Lovelace, Ada")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/patients/{patient.pk}/")
    appointments = page.locator("section").filter(has=page.get_by_role("heading", name="Appointments"))
    expect(appointments).to_contain_text("Diabetes follow-up")
    expect(appointments).to_contain_text("Priya Patel")
    expect(appointments).to_contain_text("upcoming")
    # Demographics, and the outreach work the front desk may see.
    expect(page.locator(".patient-header")).to_contain_text("MRN MRN-1001")
    expect(page.locator("table.tasks").first).to_contain_text("Call about A1c lab order")
    screenshot("front-desk-patient")

    body = page.locator("body")
    expect(body).not_to_contain_text("A1c below 7.5%")  # the goal
    expect(body).not_to_contain_text("Monthly check-in call; quarterly A1c.")  # the interventions
    expect(body).not_to_contain_text("Interventions")
    expect(page.get_by_role("heading", name=re.compile("Care plans"))).to_have_count(0)
    html = page.content()
    assert "A1c below 7.5%" not in html and "quarterly A1c" not in html
    assert_clean(page, csp_events)


def test_keyboard_j_focuses_the_first_row_and_enter_opens_it(
    live_server, page, work_day, screenshot, csp_events
):
    log_in(page, live_server.url, "coordinator", work_day["password"])
    expect(page.get_by_role("heading", name="My work", exact=True)).to_be_visible()
    rows = page.locator("#my-work-sections .queue-row")

    page.keyboard.press("j")
    expect(rows.first).to_be_focused()
    expect(rows.first).to_contain_text("Call about missed visit")  # oldest overdue first
    page.keyboard.press("j")
    expect(rows.nth(1)).to_be_focused()
    page.keyboard.press("k")
    expect(rows.first).to_be_focused()

    with page.expect_response(lambda r: r.url.endswith(f"/tasks/{work_day['oldest'].pk}/")):
        page.keyboard.press("Enter")
    panel = page.locator("#work-panel .task-panel")
    expect(panel.get_by_role("heading", name="Call about missed visit")).to_be_visible()
    expect(rows.first).to_have_class(re.compile(r"\bselected\b"))
    expect(page).to_have_url(f"{live_server.url}/work/")  # in the panel, not a new page

    # In the panel, "n" opens the note form and puts the cursor in it; "a" the contact attempt's.
    page.keyboard.press("n")
    expect(panel.locator('details[data-verb="note"]')).to_have_attribute("open", "")
    expect(panel.locator('details[data-verb="note"]').get_by_label("Note")).to_be_focused()
    panel.locator('details[data-verb="note"] summary').focus()
    page.keyboard.press("a")
    expect(panel.locator('details[data-verb="attempt"]')).to_have_attribute("open", "")
    expect(panel.get_by_label("Reached")).to_be_focused()
    screenshot("keyboard")

    # Escape (outside a field) closes the panel and puts the focus back on the row.
    rows.first.focus()
    page.keyboard.press("Escape")
    expect(page.locator("#work-panel .task-panel")).to_have_count(0)
    expect(rows.first).to_be_focused()
    assert_clean(page, csp_events)


def test_on_a_tablet_the_panel_opens_over_the_list_and_closes(
    live_server, page, work_day, screenshot, csp_events
):
    """At 820 px the list takes the width; the task opens in a drawer in view, not below the list."""
    page.set_viewport_size({"width": 820, "height": 1180})
    log_in(page, live_server.url, "coordinator", work_day["password"])
    drawer = page.locator("#work-panel")
    expect(drawer).to_be_hidden()  # no empty panel taking room on a narrow screen

    task = work_day["due_today"]
    panel = open_from_row(page, task.title)
    expect(drawer).to_be_in_viewport()
    box = drawer.bounding_box()
    assert box["x"] + box["width"] <= 820 and box["y"] == 0
    screenshot("tablet-drawer")

    panel = act(page, panel, task, "start", lambda form: None)
    expect(panel.locator(".status")).to_have_text("In progress")
    expect(drawer).to_be_in_viewport()  # stays open across the action and the list refresh
    expect(page.locator(".queue-row.selected")).to_contain_text(task.title)

    panel.get_by_role("button", name="Close").click()
    expect(drawer).to_be_hidden()
    expect(page.locator(".queue-row").filter(has_text=task.title)).to_be_focused()
    expect(page.locator(".queue-row.selected")).to_have_count(0)
    screenshot("tablet-closed")
    assert Task.objects.get(pk=task.pk).status == Status.IN_PROGRESS
    assert_clean(page, csp_events)


def test_team_queue_filters_hold_for_export_and_refresh(live_server, page, work_day, screenshot, csp_events):
    """The filtered list, its CSV export and its refresh after an action are the same rows."""
    log_in(page, live_server.url, "coordinator", work_day["password"])
    page.goto(f"{live_server.url}/queue/")
    page.get_by_text("More filters").click()
    page.get_by_label("Priority").select_option(label="High")
    page.get_by_role("button", name="Apply").click()

    table = page.locator("#queue-table")
    high = ["Referral follow-up", "Call about A1c lab order"]  # due order
    expect(table.locator(".task-link")).to_have_text(high)
    assert "priority=3" in page.url  # bookmarkable

    export = page.get_by_role("link", name="Export these rows (CSV)").get_attribute("href")
    assert "priority=3" in export
    exported = list(csv.DictReader(io.StringIO(page.request.get(f"{live_server.url}{export}").text())))
    assert [row["Task"] for row in exported] == high

    # Complete one from the panel: the table refreshes on the same filter, not the whole queue.
    task = work_day["overdue"]
    table.locator(".queue-row").filter(has_text=task.title).get_by_role("link", name=task.title).click()
    panel = page.locator("#work-panel .task-panel")
    expect(panel.get_by_role("heading", name=task.title)).to_be_visible()
    details = panel.locator('details[data-verb="complete"]')
    details.locator("summary").click()
    details.get_by_label("Outcome").fill("Referral confirmed with the cardiology office.")
    with page.expect_response(
        lambda r: "/queue/?" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        details.locator("form").get_by_role("button", name="Complete").click()
    expect(table.locator(".task-link")).to_have_text(["Call about A1c lab order"])
    expect(table.locator(".meta").first).to_contain_text("1 task")
    screenshot("queue-filtered")
    assert Task.objects.get(pk=task.pk).status == Status.COMPLETED
    assert_clean(page, csp_events)


def test_a_refused_form_comes_back_in_the_panel_without_breaking_the_csp(
    live_server, page, work_day, screenshot, csp_events
):
    """A 400 answer swaps the panel in again with the form's error; htmx must not copy inline
    style attributes across that swap (the CSP allows no inline style)."""
    log_in(page, live_server.url, "coordinator", work_day["password"])
    task = work_day["oldest"]
    panel = open_from_row(page, task.title)
    for verb, button, error in (
        ("note", "Note", "Write the note."),
        ("wait", "Wait", "cannot be in the past"),
    ):
        details = panel.locator(f'details[data-verb="{verb}"]')
        details.locator("summary").click()
        if verb == "note":
            details.get_by_label("Note").fill("   ")  # passes the browser's `required`, not the server
        if verb == "wait":
            details.get_by_label("Reason").select_option(WaitingReason.PATIENT_CALLBACK)
            yesterday = work_day["today"] - datetime.timedelta(days=1)
            details.get_by_label("Waiting until").fill(yesterday.isoformat())
        with page.expect_response(lambda r, v=verb: r.url.endswith(f"/tasks/{task.pk}/{v}/")) as answered:
            details.locator("form").get_by_role("button", name=button).click()
        assert answered.value.status == 400
        panel = page.locator("#work-panel .task-panel")
        expect(panel.locator(f'details[data-verb="{verb}"]')).to_contain_text(error)
    screenshot("refused-form")
    assert Task.objects.get(pk=task.pk).status == Status.NEW
    # The 400s themselves are logged by the browser as failed loads; the CSP must hold all the same.
    assert csp_events == [], "\n".join(csp_events)
    assert page.console_log.csp_violations == [], "\n".join(page.console_log.csp_violations)
