"""The personal calendar feed: turned on, reset and off from its page; fetched without signing
in at its secret address; nothing in it identifies a patient."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from integrations import calendar
from integrations.models import CalendarFeed, feed_token_hash
from tasks.choices import Status, TaskKind
from tests.factories import AppointmentFactory, PatientFactory, TaskFactory, in_days
from tests.helpers import inline_code


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()


def _turn_on(client, user, action="enable") -> str:
    client.force_login(user)
    response = client.post(reverse("calendar_settings"), {"action": action})
    assert response.status_code == 200
    url = re.search(rb'value="(http[^"]+\.ics)"', response.content).group(1).decode()
    return url.split("testserver", 1)[1]


def _fetch(client, path):
    client.logout()
    return client.get(path)


def test_the_feed_lists_due_dates_and_appointments_without_phi(client, coordinator, provider, team):
    patient = PatientFactory(
        care_team=team,
        first_name="Marguerite",
        last_name="Okonkwo",
        mrn="MRN-SECRET-1",
        phone="555-867-5309",
        birth_date=datetime.date(1941, 3, 9),
        primary_provider=provider,
    )
    task = TaskFactory(
        patient=patient, owner=coordinator, title="Discuss colonoscopy results", due_on=in_days(3)
    )
    TaskFactory(patient=patient, owner=coordinator, title="Done already", status=Status.COMPLETED)
    start = timezone.make_aware(datetime.datetime.combine(in_days(5), datetime.time(10, 30)))
    AppointmentFactory(patient=patient, starts_at=start, kind="Oncology follow-up")

    path = _turn_on(client, coordinator)
    response = _fetch(client, path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    for secret in (
        "Marguerite",
        "Okonkwo",
        "MRN-SECRET-1",
        "555-867-5309",
        "1941",
        "19410309",
        "03/09/1941",
        "colonoscopy",
        "Discuss",
        "Oncology",
        "Done already",
    ):
        assert secret not in text, secret
    events = [c for c in Calendar.from_ical(response.content).walk("VEVENT")]
    summaries = sorted(str(e["summary"]) for e in events)
    assert summaries == ["Appointment 10:30", "Outreach call due"]
    due = next(e for e in events if str(e["summary"]).endswith("due"))
    assert due.decoded("dtstart") == task.due_on
    assert str(due["url"]).endswith(reverse("task_detail", args=[task.pk]))
    # The link asks to sign in.
    assert client.get(str(due["url"]).split("testserver", 1)[1]).status_code == 302


def test_only_the_users_own_open_tasks_and_patients_are_in_it(
    client, coordinator, colleague, patient, other_patient
):
    TaskFactory(patient=patient, owner=colleague, kind=TaskKind.LAB)
    AppointmentFactory(patient=other_patient)  # another team's patient: never
    path = _turn_on(client, coordinator)
    assert list(Calendar.from_ical(_fetch(client, path).content).walk("VEVENT")) == []


def test_a_reset_address_stops_the_old_one(client, coordinator, task):
    old = _turn_on(client, coordinator)
    assert _fetch(client, old).status_code == 200
    new = _turn_on(client, coordinator, action="reset")
    assert new != old
    assert _fetch(client, old).status_code == 404
    assert _fetch(client, new).status_code == 200


def test_turning_it_off_stops_it(client, coordinator):
    path = _turn_on(client, coordinator)
    client.force_login(coordinator)
    assert client.post(reverse("calendar_settings"), {"action": "disable"}).status_code == 302
    assert _fetch(client, path).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_only_a_hash_of_the_secret_is_stored_and_the_page_shows_it_once(client, coordinator):
    path = _turn_on(client, coordinator)
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=coordinator)
    assert feed.token_hash == feed_token_hash(token) and token not in feed.token_hash
    client.force_login(coordinator)
    assert token.encode() not in client.get(reverse("calendar_settings")).content


def test_a_deactivated_users_feed_stops(client, coordinator):
    path = _turn_on(client, coordinator)
    coordinator.is_active = False
    coordinator.save()
    assert _fetch(client, path).status_code == 404


def test_an_unknown_secret_is_not_found(client):
    assert client.get(reverse("calendar_feed", args=["x" * 43])).status_code == 404


def test_fetches_are_rate_limited(client, coordinator, monkeypatch):
    monkeypatch.setattr(calendar, "FETCHES_PER_HOUR", 2)
    path = _turn_on(client, coordinator)
    assert [_fetch(client, path).status_code for _ in range(3)] == [200, 200, 429]


def test_the_feed_is_bounded(client, coordinator, patient, monkeypatch):
    monkeypatch.setattr(calendar, "MAX_EVENTS", 3)
    for days in range(5):
        TaskFactory(patient=patient, owner=coordinator, due_on=in_days(days + 1))
    path = _turn_on(client, coordinator)
    assert len(list(Calendar.from_ical(_fetch(client, path).content).walk("VEVENT"))) == 3


def test_the_settings_page_has_no_inline_code(client, coordinator):
    client.force_login(coordinator)
    assert inline_code(client.get(reverse("calendar_settings")).content.decode()) == []
    assert inline_code(client.post(reverse("calendar_settings"), {"action": "enable"}).content.decode()) == []


def test_a_wrong_action_changes_nothing(client, coordinator):
    client.force_login(coordinator)
    assert client.post(reverse("calendar_settings"), {"action": "explode"}).status_code == 302
    assert not CalendarFeed.objects.exists()
