"""The call workflow in a real browser, as a coordinator: a note about the patient on the patient
page, read again in the task panel; contact attempts logged from the panel's "Log 1st attempt"
button and counted; closing the plan's last task proposes completing the plan; the patient page
shows the plan's progress. The strict CSP holds throughout."""

import pytest
from playwright.sync_api import expect

from tasks import actions
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _clean(page):
    assert page.console_log.csp_violations == [], "\n".join(page.console_log.csp_violations)
    assert page.console_log.errors_but_cancelled == [], "\n".join(page.console_log.errors)


def test_coordinator_notes_the_patient_logs_attempts_and_is_offered_to_close_the_plan(
    live_server, page, practice, screenshot
):
    patient, call, coordinator = practice["patient"], practice["task"], practice["coordinator"]
    other = call.care_plan.tasks.exclude(pk=call.pk).get()
    actions.cancel_task(other, by=coordinator, reason="Booked by the hospital")
    log_in(page, live_server.url, "coordinator", practice["password"])

    # A note about the patient, from the patient page.
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.get_by_role("button", name="Add a note").click()
    page.get_by_label("Note about the patient").fill(
        "Prefers calls after 3 pm; daughter Mary is the contact."
    )
    page.locator(".note-form").get_by_role("button", name="Add note").click()
    expect(page.get_by_role("status").filter(has_text="Note added.")).to_be_visible()
    notes = page.locator("#notes .notes")
    expect(notes).to_contain_text("Prefers calls after 3 pm")
    expect(page.locator(".timeline").first).to_contain_text("Note about the patient")
    screenshot("patient-note")

    # The panel: the note, the phone, and the next attempt's button.
    page.goto(f"{live_server.url}/work/")
    page.locator(".queue-row").filter(has_text=call.title).get_by_role("link", name=call.title).click()
    panel = page.locator("#work-panel .task-panel")
    expect(panel.locator(".patient-note")).to_contain_text("Prefers calls after 3 pm")
    for outcome, said in (("No answer", "1st"), ("Left message", "2nd")):
        attempt = panel.locator('details[data-verb="attempt"]')
        attempt.get_by_role("button", name=f"Log {said} attempt").click()
        attempt.get_by_label(outcome).check()
        with page.expect_response(lambda r: r.url.endswith(f"/tasks/{call.pk}/attempt/")) as answered:
            attempt.get_by_role("button", name="Log attempt").click()
        assert answered.value.status == 200
        panel = page.locator("#work-panel .task-panel")
        expect(panel.locator(".timeline li").first).to_contain_text(f"{said} attempt: {outcome}")
    expect(panel.get_by_role("button", name="Log 3rd attempt")).to_be_visible()
    expect(panel).to_contain_text("2 contact attempts")
    screenshot("panel-after-two-attempts")

    # Completing the plan's last open task proposes completing the plan (its provider does it).
    complete = panel.locator('details[data-verb="complete"]')
    complete.locator("summary").click()
    complete.get_by_label("Outcome").fill("Reached on the third try; lab ordered")
    with page.expect_response(lambda r: r.url.endswith(f"/tasks/{call.pk}/complete/")):
        complete.locator("form").get_by_role("button", name="Complete").click()
    panel = page.locator("#work-panel .task-panel")
    expect(panel.locator(".proposal")).to_contain_text(
        "are closed — its provider (Priya Patel) can complete it"
    )
    screenshot("panel-plan-proposed")

    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    plan = page.locator(".plan").first
    expect(plan.locator(".plan-progress")).to_contain_text("1 of 1 task done · 0 open · 1 cancelled")
    expect(plan.locator(".proposal")).to_contain_text("All tasks of the Chronic Care Management plan")
    screenshot("patient-page")
    _clean(page)
