"""A manager imports a registry spreadsheet in a real browser: upload, the mapping guessed and
saved, the preview with a refused row, the run refused with its report; fixed, imported."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in, member, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REGISTRY = "MRN;Last Name;First Name;DOB;Team\r\nR-1;Rivera;Ana;3/14/1956;Team Blue\r\nR-2;Okafor;Ben;13/45/61;Team Blue\r\n"


def _upload(page, content: str):
    page.get_by_label("What the file holds").select_option(label="Patients")
    page.get_by_label("Spreadsheet (CSV or XLSX)").set_input_files(
        files=[{"name": "registry.csv", "mimeType": "text/csv", "buffer": ("\ufeff" + content).encode()}]
    )
    page.get_by_role("button", name="Upload and map columns").click()


def test_a_manager_imports_a_registry(live_server, axe_page, practice, screenshot):
    from careplans.models import Patient

    page = axe_page
    member(
        practice["patient"].care_team,
        "manager",
        "Morgan",
        "Reyes",
        __import__("accounts.roles").roles.Role.MANAGER,
    )
    log_in(page, live_server.url, "manager")
    page.get_by_role("link", name="Imports").click()
    _upload(page, REGISTRY)

    expect(page.get_by_role("heading", name="Map the columns of registry.csv")).to_be_visible()
    expect(page.get_by_label("DOB")).to_have_value("birth_date")
    page.get_by_label("Save this mapping as").fill("county registry")
    screenshot("mapping")
    page.get_by_role("button", name="Preview the rows").click()

    expect(page.get_by_text("Rivera, Ana")).to_be_visible()
    expect(
        page.get_by_text("DOB is not a date: write it as MM/DD/YYYY, M/D/YY or YYYY-MM-DD.")
    ).to_be_visible()
    screenshot("preview")
    assert serious_violations(page) == []
    # Refused rows in the preview: Import waits until they are fixed; the whole file is checked.
    expect(page.get_by_role("button", name="Import")).to_be_disabled()
    page.get_by_role("button", name="Check the whole file").click()

    expect(page.get_by_role("heading", name="Refused rows")).to_be_visible()
    expect(page.get_by_role("link", name="Download the error report (CSV)")).to_be_visible()
    assert not Patient.objects.filter(mrn__startswith="R-").exists()
    screenshot("refused")
    assert serious_violations(page) == []

    page.get_by_role("link", name="All your imports").click()
    page.get_by_label("Saved mapping").select_option(label="county registry")
    _upload(page, REGISTRY.replace("13/45/61", "12/05/61"))
    page.get_by_role("button", name="Preview the rows").click()
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_text("created 2, updated 0, unchanged 0, refused 0")).to_be_visible()
    screenshot("imported")
    assert Patient.objects.filter(mrn__startswith="R-").count() == 2
    assert page.console_log.csp_violations == []
    assert page.console_log.errors_but_cancelled == []
