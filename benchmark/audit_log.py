"""The audit page over a practice's years of access log: LOG_ROWS rows, made once, set-based (on
PostgreSQL an INSERT ... SELECT over generate_series, in chunks; running again adds only what is
missing), spread over the last LOG_DAYS days across the practice's patients and staff, with
exports, refusals and emergencies among them. The page is timed as Compliance (the whole
practice) and as a manager (their teams), on its first page, each filter and an older page."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from careplans.models import Patient, PatientAccessLog
from tasks.audit import sees_practice

LOG_ROWS = 10_000_000
LOG_DAYS = 365
CHUNK = 1_000_000
COMPLIANCE = "bench.compliance"

# One statement per chunk: row g gets a patient and a user from arrays (a random-looking stride
# through them), a time that grows with g (ids follow time, as in a running practice), an address,
# and every 97th row an export (no patient), every 500th a refusal, every 1000th an emergency.
INSERT = """
WITH p AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(care_team_id ORDER BY id) AS teams
           FROM careplans_patient),
     u AS (SELECT array_agg(id ORDER BY id) AS ids FROM accounts_user WHERE is_active)
INSERT INTO careplans_patientaccesslog
    (user_id, patient_id, care_team_id, viewed_at, path, address, reason, outcome, patient_count, filter)
SELECT u.ids[1 + (g * 7919) %% cardinality(u.ids)],
       CASE WHEN g %% 97 = 0 THEN NULL ELSE p.ids[1 + (g * 104729) %% cardinality(p.ids)] END,
       CASE WHEN g %% 97 = 0 THEN NULL ELSE p.teams[1 + (g * 104729) %% cardinality(p.ids)] END,
       %(start)s + g * %(step)s * interval '1 microsecond',
       CASE WHEN g %% 97 = 0 THEN '/queue/export.csv'
            ELSE '/patients/' || p.ids[1 + (g * 104729) %% cardinality(p.ids)] || '/' END,
       ('10.0.' || (g %% 200) || '.' || (1 + g %% 250))::inet,
       CASE WHEN g %% 97 = 0 THEN 'export' WHEN g %% 1000 = 0 THEN 'emergency' ELSE 'view' END,
       CASE WHEN g %% 500 = 0 THEN 'refused' ELSE 'shown' END,
       CASE WHEN g %% 97 = 0 THEN 40 + g %% 900 END,
       CASE WHEN g %% 97 = 0 THEN 'due=overdue' ELSE '' END
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g, p, u
"""


def ensure_log(rows: int = LOG_ROWS) -> int:
    """At least `rows` access log rows (PostgreSQL only: SQLite is never a bench database).
    Returns how many there are."""
    have = PatientAccessLog.objects.count()
    if have >= rows or connection.vendor != "postgresql":
        return have
    start = timezone.now() - dt.timedelta(days=LOG_DAYS)
    step = LOG_DAYS * 86_400 * 1_000_000 // rows  # microseconds between rows
    for first in range(have + 1, rows + 1, CHUNK):
        with transaction.atomic(), connection.cursor() as cursor:
            last = min(first + CHUNK - 1, rows)
            cursor.execute(INSERT, {"start": start, "step": step, "first": first, "last": last})
    with connection.cursor() as cursor:
        if not connection.in_atomic_block:
            cursor.execute("VACUUM (ANALYZE) careplans_patientaccesslog")
    return PatientAccessLog.objects.count()


def ready() -> None:
    """The log filled and a Compliance user to read it. Committed; a second call adds nothing."""
    from django.contrib.auth.models import Group

    from accounts.roles import Role

    ensure_log(LOG_ROWS)  # read at call time: the tests set a small practice's worth
    user, created = get_user_model().objects.get_or_create(username=COMPLIANCE)
    if created:
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=Role.COMPLIANCE))


def audit_pages(ctx, n: int) -> list[str]:
    """The first page, then each filter in turn (a user, a patient, a reason, a day, refusals),
    and a page far back (a year-old cursor), over random users and patients of the reviewer."""
    base = reverse("audit")
    users = list(get_user_model().objects.filter(is_active=True).values_list("username", flat=True)[:500])
    reviewed = Patient.objects.all() if sees_practice(ctx.user) else Patient.objects.visible_to(ctx.user)
    mrns = list(reviewed.order_by("?").values_list("mrn", flat=True)[:n])
    today = timezone.localdate()
    old = timezone.now() - dt.timedelta(days=LOG_DAYS - 30)
    cursor = f"{(old - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)}.{10**12}"
    pages = []
    for i in range(n):
        day = (today - dt.timedelta(days=ctx.rng.randrange(1, LOG_DAYS))).isoformat()
        params = [
            {},
            {"user": ctx.rng.choice(users)},
            {"patient": mrns[i % len(mrns)]},
            {"reason": "emergency"},
            {"date_from": day, "date_to": day},
            {"outcome": "refused"},
            {"before": cursor},
        ][i % 7]
        pages.append(f"{base}?{urlencode(params)}" if params else base)
    return pages


# (name, targets, user) for bench.CASES.
CASES = [
    (f"audit page ({LOG_ROWS:,} log rows), Compliance", audit_pages, COMPLIANCE),
    (f"audit page ({LOG_ROWS:,} log rows), a manager", audit_pages, "manager"),
]
