"""Chronic care management at a practice's scale: CONSENTED consented patients (every fifth
patient of the seed, so every team has its share) with a month of time entries, last month's
and this month's so far, and one CCM plan in ten marked complex. Made once, set-based (INSERT ...
SELECT over generate_series), on PostgreSQL; running again adds only what is missing. Timed: the
CCM worklist for a practice-wide manager (bench.director) and the billing export of last month."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from benchmark.users import EVERY_TEAM_MANAGER, every_team_manager
from careplans.models import Patient
from ccm import billing
from ccm.models import CCM_PROGRAM_CODE, Consent, TimeEntry
from ccm.months import current_month, last_day, previous_month

CONSENTED = 20_000

CONSENTS = """
INSERT INTO ccm_consent (patient_id, consented_on, method, recorded_by_id, recorded_at)
SELECT p.id, %(month)s::date - (p.id %% 400) * interval '1 day',
       CASE WHEN p.id %% 3 = 0 THEN 'written' ELSE 'verbal' END, %(user)s, now()
FROM careplans_patient p
WHERE p.id %% 5 = 0 AND NOT EXISTS (SELECT 1 FROM ccm_consent c WHERE c.patient_id = p.id)
ORDER BY p.id
LIMIT %(limit)s
"""

# Per consented patient 0 to 5 entries in the month, on days up to `last`, of 3 to 26 minutes,
# one in eight by a physician/QHP: a spread from nothing to well past 60 minutes.
ENTRIES = """
INSERT INTO ccm_timeentry (patient_id, author_id, performed_on, minutes, description, staff_category,
                           kind, reason, billable, created_at, version)
SELECT c.patient_id, %(user)s,
       %(first)s::date + ((c.patient_id * 7 + g * 11) %% %(days)s) * interval '1 day',
       3 + (c.patient_id * 13 + g * 17) %% 24,
       'Care coordination call', CASE WHEN (c.patient_id + g) %% 8 = 0 THEN 'physician' ELSE 'clinical' END,
       'time', '', true, now(), 1
FROM ccm_consent c, generate_series(1, (c.patient_id / 5) %% 6) AS g
WHERE c.revoked_on IS NULL
"""

# The month totals the actions would have kept (ccm.totals.recount), for the seeded entries.
TOTALS = """
INSERT INTO ccm_monthtotal (patient_id, month, clinical, physician)
SELECT patient_id, date_trunc('month', performed_on)::date,
       COALESCE(SUM(minutes) FILTER (WHERE staff_category = 'clinical'), 0),
       COALESCE(SUM(minutes) FILTER (WHERE staff_category = 'physician'), 0)
FROM ccm_timeentry WHERE billable
GROUP BY 1, 2
ON CONFLICT (patient_id, month) DO NOTHING
"""

COMPLEX = """
INSERT INTO ccm_planchecklist (care_plan_id, is_complex, problem_list, outcome_prognosis, measurable_goals,
    symptom_management, interventions_responsible, medication_management, community_services, coordination,
    periodic_review, copy_given_on, copy_method, version)
SELECT cp.id, cp.patient_id %% 10 = 0, true, true, true, true, true, cp.patient_id %% 4 <> 0, true, true, true,
       CASE WHEN cp.patient_id %% 3 <> 0 THEN cp.starts_on END, CASE WHEN cp.patient_id %% 3 <> 0 THEN 'printed' ELSE '' END, 1
FROM careplans_careplan cp JOIN careplans_program pr ON pr.id = cp.program_id
WHERE pr.code = %(code)s AND cp.patient_id IN (SELECT patient_id FROM ccm_consent)
  AND NOT EXISTS (SELECT 1 FROM ccm_planchecklist k WHERE k.care_plan_id = cp.id)
"""


def _month_entries(cursor, month: dt.date, last: dt.date, user_id: int) -> None:
    if TimeEntry.objects.in_month(month).exists():
        return
    days = (last - month).days + 1
    cursor.execute(ENTRIES, {"user": user_id, "first": month, "days": days})


def ensure_ccm() -> None:
    """CONSENTED consented patients and their entries of last month and this month (to today).
    PostgreSQL only; committed; a second call adds nothing."""
    every_team_manager()
    if connection.vendor != "postgresql":
        return
    from django.contrib.auth import get_user_model

    user_id = get_user_model().objects.get(username=EVERY_TEAM_MANAGER).pk
    month, today = current_month(), timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        have = Consent.objects.count()
        if have < CONSENTED:
            cursor.execute(CONSENTS, {"month": month, "user": user_id, "limit": CONSENTED - have})
        last_month = previous_month(month)
        _month_entries(cursor, last_month, last_day(last_month), user_id)
        _month_entries(cursor, month, today, user_id)
        cursor.execute(TOTALS)
        cursor.execute(COMPLEX, {"code": CCM_PROGRAM_CODE})
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) ccm_consent, ccm_timeentry, ccm_monthtotal, ccm_planchecklist")


def worklist_pages(ctx, n: int) -> list[str]:
    """The first page most often, then the other lists and a page further on."""
    base = reverse("ccm_worklist")
    variants = [
        base,
        base,
        f"{base}?show=near",
        f"{base}?show=none",
        f"{base}?page=5",
        f"{base}?show=billable",
    ]
    return [variants[i % len(variants)] for i in range(n)]


def tiles_pages(ctx, n: int) -> list[str]:
    """The dashboard's CCM tiles, which the dashboard loads after it has drawn (htmx)."""
    return [reverse("ccm_dashboard_tiles")] * n


def export_runs(ctx, n: int):
    """Last month's billing rows for the whole practice, written as CSV (what the web export and
    `manage.py ccm_report` do; the web export would close the month, so it is not run here)."""
    month = previous_month(current_month())

    def export() -> int:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(billing.HEADER)
        rows = billing.rows_for(Patient.objects.all(), month)
        writer.writerows(row.cells(month) for row in rows)
        return len(rows)

    return [export] * n


# (name, targets, runs) for bench.CASES.
CASES = [
    (f"CCM worklist ({CONSENTED:,} consented), practice-wide manager", worklist_pages, None),
    ("CCM dashboard tiles (loaded after the dashboard), practice-wide manager", tiles_pages, None),
    ("CCM billing export, last month (CSV)", export_runs, 5),
]
