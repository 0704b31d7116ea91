"""Consent, time entries, edits, adjustments and closed months (ccm.actions; the timer:
test_timer.py)."""

import datetime as dt

import pytest

from accounts.errors import NotAllowed, RuleViolation
from ccm import actions, totals
from ccm.models import Consent, EntryKind, StaffCategory, TimeEntry
from tests.ccm.conftest import minutes_on


def _sums(patient, month):
    return totals.patient_month(patient, month)


def test_staff_category_comes_from_the_role(consented, coordinator, provider, medical_assistant):
    assert minutes_on(consented, by=coordinator, minutes=5).staff_category == StaffCategory.CLINICAL
    assert minutes_on(consented, by=medical_assistant, minutes=5).staff_category == StaffCategory.CLINICAL
    assert minutes_on(consented, by=provider, minutes=5).staff_category == StaffCategory.PHYSICIAN


def test_front_desk_records_no_time(consented, front_desk):
    with pytest.raises(NotAllowed):
        minutes_on(consented, by=front_desk, minutes=5)
    assert not TimeEntry.objects.exists()


def test_time_before_consent_and_after_revocation_is_not_billable(patient, coordinator, month_start):
    month_start = (month_start - dt.timedelta(days=1)).replace(day=1)  # last month: all of it behind us
    before = minutes_on(patient, by=coordinator, minutes=30, day=month_start)
    actions.record_consent(
        patient, by=coordinator, consented_on=month_start + dt.timedelta(days=1), method="written"
    )
    during = minutes_on(patient, by=coordinator, minutes=12, day=month_start + dt.timedelta(days=1))
    actions.revoke_consent(patient, by=coordinator, revoked_on=month_start + dt.timedelta(days=3))
    on_revocation_day = minutes_on(
        patient, by=coordinator, minutes=15, day=month_start + dt.timedelta(days=3)
    )

    assert [e.billable for e in (before, during, on_revocation_day)] == [False, True, False]
    sums = _sums(patient, month_start)
    assert (sums["clinical"], sums["unbillable"]) == (12, 45)


def test_consent_recorded_later_makes_earlier_time_of_its_period_billable(patient, coordinator, month_start):
    entry = minutes_on(patient, by=coordinator, minutes=20, day=month_start)
    actions.record_consent(patient, by=coordinator, consented_on=month_start, method="verbal")
    entry.refresh_from_db()
    assert entry.billable


def test_one_open_consent_and_no_overlapping_periods(patient, coordinator, today):
    actions.record_consent(
        patient, by=coordinator, consented_on=today - dt.timedelta(days=10), method="verbal"
    )
    with pytest.raises(RuleViolation, match="revoke it first"):
        actions.record_consent(patient, by=coordinator, consented_on=today, method="verbal")
    actions.revoke_consent(patient, by=coordinator, revoked_on=today - dt.timedelta(days=2))
    with pytest.raises(RuleViolation, match="starts that day or later"):
        actions.record_consent(
            patient, by=coordinator, consented_on=today - dt.timedelta(days=5), method="verbal"
        )
    with pytest.raises(RuleViolation, match="future"):
        actions.record_consent(
            patient, by=coordinator, consented_on=today + dt.timedelta(days=1), method="verbal"
        )
    assert Consent.objects.filter(patient=patient).count() == 1


def test_consent_history_names_who_recorded_and_revoked(patient, coordinator, manager, today):
    consent = actions.record_consent(patient, by=coordinator, consented_on=today, method="written")
    actions.revoke_consent(patient, by=manager, revoked_on=today)
    rows = list(
        consent.history.order_by("history_date").values_list(
            "history_user__username", "history_change_reason"
        )
    )
    assert rows == [("coordinator", "consent recorded"), ("manager", "consent revoked")]


def test_the_author_edits_within_the_month_and_history_names_them(consented, coordinator, today):
    entry = minutes_on(consented, by=coordinator, minutes=10)
    actions.edit_time(
        entry,
        by=coordinator,
        version=entry.version,
        performed_on=today,
        minutes=14,
        description="Longer call",
    )
    entry.refresh_from_db()
    assert (entry.minutes, entry.version) == (14, 2)
    history = list(
        entry.history.order_by("history_date").values_list(
            "history_user__username", "minutes", "history_change_reason"
        )
    )
    assert history == [("coordinator", 10, "time recorded"), ("coordinator", 14, "time edited")]


def test_only_the_author_edits(consented, coordinator, colleague, today):
    entry = minutes_on(consented, by=coordinator, minutes=10)
    assert not actions.can_edit(colleague, entry)
    with pytest.raises(NotAllowed):
        actions.edit_time(
            entry, by=colleague, version=entry.version, performed_on=today, minutes=30, description="x"
        )
    entry.refresh_from_db()
    assert entry.minutes == 10


def test_a_stale_edit_is_refused(consented, coordinator, today):
    entry = minutes_on(consented, by=coordinator, minutes=10)
    actions.edit_time(entry, by=coordinator, version=1, performed_on=today, minutes=11, description="a")
    with pytest.raises(actions.VersionConflict):
        actions.edit_time(entry, by=coordinator, version=1, performed_on=today, minutes=12, description="b")


def test_a_closed_month_refuses_edits_and_new_time(consented, coordinator, manager, today, month_start):
    entry = minutes_on(consented, by=coordinator, minutes=10)
    actions.close_month(month_start, by=manager)
    assert not actions.can_edit(coordinator, entry)
    with pytest.raises(RuleViolation, match="is closed"):
        actions.edit_time(
            entry, by=coordinator, version=entry.version, performed_on=today, minutes=20, description="x"
        )
    with pytest.raises(RuleViolation, match="adjustment"):
        minutes_on(consented, by=coordinator, minutes=5)
    entry.refresh_from_db()
    assert entry.minutes == 10
    assert TimeEntry.objects.count() == 1


def test_a_past_month_is_not_edited_even_by_its_author(consented, coordinator, month_start):
    last_month = month_start - dt.timedelta(days=3)
    entry = minutes_on(consented, by=coordinator, minutes=10, day=last_month)
    assert not actions.can_edit(coordinator, entry)
    with pytest.raises(RuleViolation, match="within its month"):
        actions.edit_time(
            entry, by=coordinator, version=1, performed_on=last_month, minutes=20, description="x"
        )


def test_an_adjustment_carries_its_reason_and_counts_in_the_closed_month(
    consented, coordinator, colleague, manager, month_start
):
    last_month = (month_start - dt.timedelta(days=1)).replace(day=1)
    entry = minutes_on(consented, by=coordinator, minutes=18, day=last_month)
    actions.close_month(last_month, by=manager)
    with pytest.raises(RuleViolation, match="reason"):
        actions.adjust_time(entry, by=colleague, minutes=5, reason="  ")
    adjustment = actions.adjust_time(
        entry, by=colleague, minutes=5, reason="Call of the 3rd was not logged in full"
    )

    assert (adjustment.kind, adjustment.reason, adjustment.adjusts_id) == (
        EntryKind.ADJUSTMENT,
        "Call of the 3rd was not logged in full",
        entry.pk,
    )
    assert adjustment.performed_on == last_month and adjustment.staff_category == StaffCategory.CLINICAL
    assert adjustment.history.get().history_user == colleague
    assert _sums(consented, last_month)["clinical"] == 23
    with pytest.raises(RuleViolation, match="below zero"):
        actions.adjust_time(entry, by=colleague, minutes=-24, reason="Entered twice")


def test_an_open_months_entry_is_edited_not_adjusted(consented, coordinator):
    entry = minutes_on(consented, by=coordinator, minutes=10)
    with pytest.raises(RuleViolation, match="still open"):
        actions.adjust_time(entry, by=coordinator, minutes=5, reason="More")
