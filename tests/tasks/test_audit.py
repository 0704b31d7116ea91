"""The audit page (tasks.audit): Compliance reviews the practice, a manager their teams; filters,
keyset pages, a fixed number of queries, the CSV export (logged itself), and a log nobody edits."""

import csv
import datetime
import io

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from careplans.access import client_address
from careplans.models import AccessOutcome, AccessReason, PatientAccessLog
from tasks import audit
from tests.factories import PatientFactory, TaskFactory
from tests.helpers import count_queries


def _log(user, patient, *, reason=AccessReason.VIEW, at=None, outcome=AccessOutcome.SHOWN):
    """A row written at `at` (now by default): rows are never changed afterwards, not even here
    (on PostgreSQL a trigger refuses it), so an old row is written with the clock set back."""
    import time_machine

    with time_machine.travel(at or timezone.now(), tick=False):
        return PatientAccessLog.objects.create(
            user=user,
            patient=patient,
            care_team_id=patient.care_team_id,
            path="/x/",
            reason=reason,
            outcome=outcome,
        )


def _shown(response) -> list[tuple]:
    return [(r.user.username, r.patient_id) for r in response.context["page"].rows]


def test_compliance_reviews_every_team_a_manager_only_theirs(
    client, compliance, manager, coordinator, outsider, patient, other_patient
):
    _log(coordinator, patient)
    _log(outsider, other_patient)

    client.force_login(compliance)
    assert set(_shown(client.get(reverse("audit")))) >= {
        ("coordinator", patient.pk),
        ("outsider", other_patient.pk),
    }
    client.force_login(manager)
    shown = _shown(client.get(reverse("audit")))
    assert ("coordinator", patient.pk) in shown
    assert ("outsider", other_patient.pk) not in shown


def test_compliance_lands_on_the_audit_and_sees_no_patient_page(client, compliance, patient):
    client.force_login(compliance)
    assert client.get(reverse("home"))["Location"] == reverse("audit")
    assert client.get(reverse("patient_detail", args=[patient.pk])).status_code in (403, 404)
    assert client.get(reverse("team_queue")).status_code == 403


def test_filters_by_user_patient_reason_and_date(client, compliance, coordinator, provider, patient, team):
    second = PatientFactory(care_team=team, mrn="MRN-0002")
    now = timezone.now()
    _log(coordinator, patient, at=now - datetime.timedelta(days=10))
    _log(provider, patient)
    _log(coordinator, second, reason=AccessReason.EMERGENCY)
    client.force_login(compliance)

    def shown(**params):
        return [(u, p) for u, p in _shown(client.get(reverse("audit"), params)) if u != "compliance"]

    assert set(shown(user="Provider")) == {("provider", patient.pk)}
    assert set(shown(patient="mrn-0002")) == {("coordinator", second.pk)}
    assert shown(reason="emergency") == [("coordinator", second.pk)]
    old = (timezone.localdate(now) - datetime.timedelta(days=10)).isoformat()
    assert shown(date_from=old, date_to=old) == [("coordinator", patient.pk)]
    assert shown(user="nobody") == []


def test_bad_filters_answer_400_and_a_bad_cursor_the_newest_page(client, compliance):
    client.force_login(compliance)
    assert client.get(reverse("audit"), {"date_from": "yesterday"}).status_code == 400
    assert client.get(reverse("audit"), {"reason": "curiosity"}).status_code == 400
    assert client.get(reverse("audit"), {"before": "99999999999999999999999.x"}).status_code == 200
    assert client.get(reverse("audit"), {"before": "999999999999999999999999.1"}).status_code == 200


def test_pages_go_older_without_repeating_or_skipping_a_row(client, compliance, coordinator, patient):
    rows = [_log(coordinator, patient) for _ in range(audit.PAGE_SIZE * 2 + 7)]
    client.force_login(compliance)
    seen, before = [], ""
    for _ in range(4):
        page = client.get(reverse("audit"), {"user": "coordinator", "before": before}).context["page"]
        seen += [row.pk for row in page.rows]
        before = page.older
        if not before:
            break
    assert seen == sorted((row.pk for row in rows), reverse=True)


def test_the_page_costs_the_same_queries_with_3_rows_and_with_50(client, compliance, coordinator, team):
    patients = [PatientFactory(care_team=team) for _ in range(3)]
    for p in patients:
        _log(coordinator, p)
    client.force_login(compliance)
    client.get(reverse("audit"))
    # The user and patient filters look their people up first (a username or MRN, else a name:
    # at most two short queries each), then read the log by its index.
    filtered = reverse("audit") + "?user=coordinator&patient=x&reason=view"
    few = count_queries(client, reverse("audit"))
    few_filtered = count_queries(client, filtered)
    for _ in range(50):
        _log(coordinator, PatientFactory(care_team=team))
    assert count_queries(client, reverse("audit")) == few
    assert count_queries(client, filtered) == few_filtered <= few + 3
    assert count_queries(client, reverse("audit") + "?kind=changes") == few
    assert few <= 6


def test_the_changes_list_shows_the_timeline(client, manager, coordinator, patient):
    TaskFactory(patient=patient, owner=coordinator, title="Book the eye exam")
    client.force_login(manager)
    response = client.get(reverse("audit"), {"kind": "changes"})
    assert response.status_code == 200
    assert "Book the eye exam" in response.content.decode()
    assert all(a.patient_id == patient.pk for a in response.context["page"].rows)


def test_the_export_is_the_filtered_list_and_is_logged(client, compliance, coordinator, provider, patient):
    _log(coordinator, patient)
    _log(provider, patient)
    client.force_login(compliance)
    response = client.get(reverse("audit_export"), {"user": "coordinator"})
    assert "no-store" in response["Cache-Control"]
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0][:3] == ["When", "User", "Patient"]
    assert [line[1] for line in lines[1:]] == ["coordinator"]
    export = PatientAccessLog.objects.get(user=compliance, reason=AccessReason.EXPORT)
    assert (export.patient_id, export.patient_count, export.filter) == (None, 1, "user=coordinator")


def test_the_audit_page_writes_one_row_for_the_patients_it_names(client, compliance, coordinator, patient):
    _log(coordinator, patient)
    client.force_login(compliance)
    client.get(reverse("audit"))
    row = PatientAccessLog.objects.get(user=compliance)
    assert (row.patient_id, row.patient_count, row.reason) == (None, 1, AccessReason.VIEW)


def test_nobody_edits_or_deletes_a_row(coordinator, patient, admin):
    row = _log(coordinator, patient)
    row.path = "/elsewhere/"
    with pytest.raises(ValueError):
        row.save()
    with pytest.raises(ValueError):
        row.delete()
    with pytest.raises(ValueError):
        PatientAccessLog.objects.filter(pk=row.pk).update(path="/elsewhere/")
    with pytest.raises(ValueError):
        PatientAccessLog.objects.filter(pk=row.pk).delete()
    model_admin = site._registry[PatientAccessLog]
    request = RequestFactory().get("/")
    request.user = admin
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_delete_permission(request, row)
    assert not model_admin.has_add_permission(request)


def test_postgresql_refuses_update_and_delete_whoever_asks(postgresql, coordinator, patient):
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    row = _log(coordinator, patient)
    for sql in ("UPDATE careplans_patientaccesslog SET path = 'x'", "DELETE FROM careplans_patientaccesslog"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql + " WHERE id = %s", [row.pk])


def test_the_forwarded_address_counts_only_behind_a_proxy():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_address(request) == "10.0.0.2"
    with override_settings(BEHIND_PROXY=True):
        assert client_address(request) == "203.0.113.9"  # the proxy's own entry; the first is forgeable
        assert client_address(RequestFactory().get("/", HTTP_X_FORWARDED_FOR="not an address")) is None


def test_people_are_found_by_name_too_and_reversed_dates_are_refused(
    client, compliance, coordinator, patient
):
    _log(coordinator, patient)
    client.force_login(compliance)

    by_name = _shown(client.get(reverse("audit"), {"user": coordinator.get_full_name()}))
    by_patient = _shown(client.get(reverse("audit"), {"patient": patient.last_name}))
    reversed_dates = client.get(reverse("audit"), {"date_from": "2026-12-01", "date_to": "2026-11-01"})

    assert ("coordinator", patient.pk) in by_name and ("coordinator", patient.pk) in by_patient
    assert reversed_dates.status_code == 400 and "swap the dates" in reversed_dates.content.decode()
