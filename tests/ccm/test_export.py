"""The billing export: rows, flags, the month it closes, and `manage.py ccm_report`."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from ccm import actions
from ccm.billing import HEADER
from ccm.models import ClosedMonth
from tests.ccm.conftest import minutes_on
from tests.factories import PatientFactory


@pytest.fixture
def last_month(month_start):
    return (month_start - dt.timedelta(days=1)).replace(day=1)


@pytest.fixture
def billed(consented, coordinator, provider, last_month):
    minutes_on(consented, by=coordinator, minutes=45, day=last_month)
    minutes_on(consented, by=provider, minutes=31, day=last_month + dt.timedelta(days=2))
    return consented


def _report(*args):
    out = io.StringIO()
    call_command("ccm_report", *args, stdout=out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_one_row_per_patient_and_code_with_flags(billed, last_month, provider):
    rows = _report("--month", f"{last_month:%Y-%m}")
    assert rows[0] == HEADER
    found = [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]
    assert [(r["code"], r["units"], r["minutes"]) for r in found] == [
        ("99490", "1", "45"),
        ("99439", "1", "45"),
        ("99491", "1", "31"),
    ]
    first = found[0]
    assert first["mrn"] == billed.mrn and first["rendering_provider"] == provider.username
    assert first["consent_date"] == billed.ccm_consents.get().consented_on.isoformat()
    assert (first["plan_complete"], first["plan_shared"]) == ("no", "no")
    assert "no CCM care plan" in first["flags"] and "not given" in first["flags"]


def test_the_report_filters_by_provider_and_checks_its_arguments(billed, last_month, team, coordinator):
    other = PatientFactory(care_team=team)
    actions.record_consent(other, by=coordinator, consented_on=last_month, method="written")
    minutes_on(other, by=coordinator, minutes=20, day=last_month)
    assert len(_report("--month", f"{last_month:%Y-%m}")) == 5
    assert len(_report("--month", f"{last_month:%Y-%m}", "--provider", "provider")) == 4
    with pytest.raises(CommandError, match="YYYY-MM"):
        _report("--month", "2026/11")
    with pytest.raises(CommandError, match="no user"):
        _report("--month", f"{last_month:%Y-%m}", "--provider", "nobody")


def test_the_web_export_gives_the_commands_rows_and_closes_the_month(
    client, manager, billed, last_month, coordinator
):
    client.force_login(manager)
    response = client.post(reverse("ccm_billing_export"), {"month": f"{last_month:%Y-%m}"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(response.content.decode()))) == _report(
        "--month", f"{last_month:%Y-%m}"
    )
    assert ClosedMonth.objects.get().month == last_month
    entry = billed.ccm_time.filter(author=coordinator).get()
    assert not actions.can_edit(coordinator, entry) and actions.can_adjust(coordinator, entry)
    # Closed now: exporting again closes nothing more, and the button says so.
    page = client.get(reverse("ccm_billing"), {"month": f"{last_month:%Y-%m}"}).content.decode()
    assert "again (CSV)" in page and "and close the month" not in page


def test_a_future_month_is_not_exported(client, manager, month_start):
    client.force_login(manager)
    future = (month_start + dt.timedelta(days=40)).replace(day=1)
    response = client.post(reverse("ccm_billing_export"), {"month": f"{future:%Y-%m}"}, follow=True)
    assert "has not begun" in response.content.decode()
    assert not ClosedMonth.objects.exists()


def test_the_printable_page_lists_minutes_by_date_and_staff(client, coordinator, billed, last_month):
    client.force_login(coordinator)
    response = client.get(reverse("ccm_patient_print", args=[billed.pk]), {"month": f"{last_month:%Y-%m}"})
    assert response.status_code == 200
    assert [(staff, minutes) for _day, staff, minutes in response.context["by_day"]] == [
        ("Clinical staff", 45),
        ("Physician/QHP", 31),
    ]
    assert "ccm-print.css" in response.content.decode()


def test_the_month_under_way_is_closed_only_when_the_manager_ticks_so(client, manager, month_start):
    """Exporting closes the month; before it ends, that stops everyone recording time by hand,
    so an export of the current month without the tick is refused and closes nothing."""
    client.force_login(manager)
    response = client.post(reverse("ccm_billing_export"), {"month": f"{month_start:%Y-%m}"}, follow=True)
    assert (
        "has not ended" in response.content.decode()
        and "export-before-month-end" in response.content.decode()
    )
    assert not ClosedMonth.objects.exists()
    response = client.post(
        reverse("ccm_billing_export"), {"month": f"{month_start:%Y-%m}", "close_early": "on"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert ClosedMonth.objects.get().month == month_start
