"""The CCM worklist, its tiles, and what front desk does not see."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from careplans.models import Patient
from ccm import actions, codes, totals
from ccm.models import Consent, PlanChecklist
from tests.ccm.conftest import minutes_on
from tests.factories import CarePlanFactory, PatientFactory


def _consent(patient, by, day):
    return actions.record_consent(patient, by=by, consented_on=day, method="verbal")


@pytest.fixture
def spread(team, coordinator, provider, month_start):
    """Consented patients of the team at 0, 5, 15, 19, 20, 45 and 70 clinical minutes."""
    made = {}
    for minutes in (0, 5, 15, 19, 20, 45, 70):
        patient = PatientFactory(care_team=team, primary_provider=provider, last_name=f"M{minutes:03d}")
        _consent(patient, coordinator, month_start - dt.timedelta(days=30))
        if minutes:
            minutes_on(patient, by=coordinator, minutes=minutes)
        made[minutes] = patient
    return made


def test_the_sql_threshold_is_the_rule_tables(team, coordinator, ccm_program, provider, month_start, today):
    """Every minute count from 0 to 130, complex and not: the worklist's next threshold (in SQL)
    is codes.next_threshold (in Python)."""
    for complex_plan in (False, True):
        for minutes in range(0, 131, 1):
            patient = PatientFactory(care_team=team, last_name=f"T{int(complex_plan)}-{minutes:03d}")
            Consent.objects.create(
                patient=patient, consented_on=month_start, method="verbal", recorded_by=coordinator
            )
            if complex_plan:
                plan = CarePlanFactory(patient=patient, author=provider, program=ccm_program)
                PlanChecklist.objects.create(care_plan=plan, is_complex=True)
            if minutes:
                patient.ccm_time.create(
                    author=coordinator,
                    performed_on=month_start,
                    minutes=minutes,
                    description="x",
                    staff_category="clinical",
                    billable=True,
                )
                totals.recount(patient.pk)
    rows = totals.month_patients(Patient.objects.all(), month_start, today).values_list(
        "last_name", "clinical", "is_complex", "next_threshold"
    )
    wrong = [
        (name, got, codes.next_threshold(month_start, clinical, complex_plan=is_complex))
        for name, clinical, is_complex, got in rows
        if got != codes.next_threshold(month_start, clinical, complex_plan=is_complex)
    ]
    assert len(rows) == 262 and wrong == []


def test_close_to_a_threshold_comes_first(client, coordinator, spread, month_start, today):
    client.force_login(coordinator)
    response = client.get(reverse("ccm_worklist"))
    assert response.status_code == 200
    order = [p.last_name for p in response.context["patients"]]
    # 19 (1 to go), 15 (5 to go), 5 (not close: 15 to go), ...
    assert order[:2] == ["M019", "M015"]
    if totals.days_left(month_start, today) <= totals.MONTH_ENDING_DAYS:
        assert order[2] == "M000"  # none yet, with the month ending
    assert order[-1] == "M070"  # capped: nothing more to earn
    assert "M070" in response.content.decode() and "capped" in response.content.decode()


def test_tiles_count_billable_near_and_none(coordinator, spread, month_start, today):
    tiles = totals.tiles(coordinator, month_start, today)
    assert tiles == totals.Tiles(consented=7, billable=3, near=2, none=1)


def test_a_revoked_patient_leaves_next_months_worklist(coordinator, spread, month_start, today):
    # Revoked on the first day of this month: no day of it is covered; last month still was.
    actions.revoke_consent(spread[20], by=coordinator, revoked_on=month_start)

    def listed(month):
        return {row["pk"] for row in totals.for_worklist(coordinator, month, today)}

    assert spread[20].pk not in listed(month_start)
    assert spread[20].pk in listed((month_start - dt.timedelta(days=1)).replace(day=1))
    assert spread[19].pk in listed(month_start)


def test_the_worklist_costs_the_same_queries_for_3_and_30_patients(client, team, coordinator, month_start):
    client.force_login(coordinator)

    def count(n):
        for i in range(n - Consent.objects.count()):
            patient = PatientFactory(care_team=team)
            Consent.objects.create(
                patient=patient, consented_on=month_start, method="verbal", recorded_by=coordinator
            )
            minutes_on(patient, by=coordinator, minutes=1 + i % 25)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("ccm_worklist")).status_code == 200
        return len(queries)

    assert count(3) == count(30)


def test_the_outsider_sees_no_patient_of_another_team(client, outsider, spread):
    client.force_login(outsider)
    assert list(client.get(reverse("ccm_worklist")).context["patients"]) == []


def test_front_desk_sees_no_ccm_time_or_codes(client, front_desk, consented, coordinator, task):
    minutes_on(consented, by=coordinator, minutes=25)
    client.force_login(front_desk)
    for url in (reverse("patient_detail", args=[consented.pk]), reverse("task_detail", args=[task.pk])):
        page = client.get(url).content.decode()
        assert "Chronic care management" not in page and "99490" not in page and "CCM time" not in page
    assert client.get(reverse("ccm_worklist")).status_code == 403


def test_the_patient_page_shows_consent_minutes_and_codes(client, coordinator, consented):
    minutes_on(consented, by=coordinator, minutes=25)
    client.force_login(coordinator)
    page = client.get(reverse("patient_detail", args=[consented.pk])).content.decode()
    assert "Consented" in page and "99490" in page and "25</strong> min clinical staff" in page


def test_the_dashboard_loads_the_ccm_tiles_after_it_draws(client, manager, spread):
    client.force_login(manager)
    page = client.get(reverse("dashboard")).content.decode()
    tiles_url = reverse("ccm_dashboard_tiles")
    assert f'hx-get="{tiles_url}" hx-trigger="load"' in page and "Billable this month" not in page

    tiles = client.get(tiles_url, headers={"HX-Request": "true"})

    assert tiles.status_code == 200 and "no-store" in tiles["Cache-Control"]
    assert "Billable this month" in tiles.content.decode() and "show=near" in tiles.content.decode()


def test_time_by_hand_through_the_patient_page(client, medical_assistant, consented, today):
    client.force_login(medical_assistant)
    url = reverse("ccm_time_add", args=[consented.pk])
    bad = client.post(
        url, {"performed_on": today.isoformat(), "minutes": 0, "description": "Call"}, follow=True
    )
    assert "Time not recorded" in bad.content.decode()
    assert not consented.ccm_time.exists()
    client.post(url, {"performed_on": today.isoformat(), "minutes": 9, "description": "Refill call"})
    entry = consented.ccm_time.get()
    assert (entry.minutes, entry.author, entry.staff_category) == (9, medical_assistant, "clinical")


def test_checklist_met_from_the_plan_and_by_a_provider(client, provider, ccm_plan, coordinator):
    from tests.factories import GoalFactory, TaskFactory

    GoalFactory(care_plan=ccm_plan, description="BP controlled", target="below 140/90")
    TaskFactory(patient=ccm_plan.patient, owner=coordinator, care_plan=ccm_plan, kind="referral")
    client.force_login(provider)
    url = reverse("ccm_checklist", args=[ccm_plan.pk])
    state = client.get(url).context["state"]
    derived = {e.name for e in state.elements if e.derived}
    assert derived == {"measurable_goals", "interventions_responsible", "coordination"}
    marks = {
        name: "on"
        for name in (
            "problem_list",
            "outcome_prognosis",
            "symptom_management",
            "medication_management",
            "community_services",
            "periodic_review",
        )
    }
    client.post(url, {"form": "marks", "version": 1, "is_complex": "on", **marks})
    client.post(url, {"form": "copy", "given_on": timezone.localdate().isoformat(), "method": "portal"})
    state = client.get(url).context["state"]
    assert state.complete and state.shared and state.is_complex
    assert PlanChecklist.objects.get().history.first().history_user == provider


def test_the_worklist_and_the_tile_say_which_minutes_they_mean(client, manager, spread, monkeypatch):
    """The order and the tile use different numbers (totals.CLOSE, totals.NEAR); the words say
    which is which, from the constants: other values show on both pages."""
    monkeypatch.setattr(totals, "CLOSE", 9)
    monkeypatch.setattr(totals, "NEAR", 4)
    monkeypatch.setattr(totals, "MONTH_ENDING_DAYS", 11)
    client.force_login(manager)

    worklist = client.get(reverse("ccm_worklist")).content.decode()
    tile = client.get(reverse("ccm_dashboard_tiles")).content.decode()

    assert "first (highlighted), patients within 9 minutes of their next billing threshold" in worklist
    assert "in the month's last 11 days, patients with no time yet" in worklist
    assert "Within 4 minutes of a billing threshold (" in worklist
    assert "Within 4 minutes of a billing threshold</h3>" in tile
    assert "1 to 4 clinical staff minutes short of the next code" in tile
    assert "the filters and period above do not apply" in tile
