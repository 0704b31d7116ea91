"""Sessions end after SESSION_IDLE_TIMEOUT without activity (the inbox badge's polling and the
idle warning's question are none) and SESSION_COOKIE_AGE after signing in whatever happens; every
answer to a signed-in user is no-store; deactivating a user ends their sessions. The clock is
frozen and moved by hand (time_machine)."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts.models import UserSession

START = datetime.datetime(2026, 3, 2, 13, 0, tzinfo=datetime.UTC)
IDLE = datetime.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def clock(db):
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def sent_to_login(response, next_url: str) -> bool:
    return response.status_code == 302 and response["Location"] == f"{reverse('login')}?next={next_url}"


def test_idle_timeout_signs_out_and_says_why(client, coordinator, clock):
    client.force_login(coordinator)
    work = reverse("my_work")

    clock.shift(IDLE - MINUTE)
    assert client.get(work).status_code == 200  # activity: the clock starts again
    clock.shift(IDLE - MINUTE)
    assert client.get(work).status_code == 200
    clock.shift(IDLE)
    response = client.get(work)

    assert sent_to_login(response, work)
    assert not signed_in(client)
    login = client.get(response["Location"]).content.decode()
    assert "You were signed out after 15 minutes without activity." in login


def test_the_badge_polling_and_the_warnings_question_are_no_activity(client, coordinator, clock):
    client.force_login(coordinator)
    for _ in range(3):
        clock.shift(IDLE / 3 - datetime.timedelta(seconds=5))
        assert client.get(reverse("inbox_badge"), headers={"HX-Request": "true"}).status_code == 200
        status = client.get(reverse("session_status"))
    assert status.json() == {"seconds_left": 15}

    clock.shift(datetime.timedelta(seconds=15))
    response = client.get(
        reverse("inbox_badge"), headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/work/"}
    )

    # htmx takes the whole page to the login page, and back to it after signing in.
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{reverse('login')}?next=/work/"
    assert not signed_in(client)


def test_a_signed_out_htmx_request_takes_the_whole_page_to_the_login_page(client, task):
    # Signed out in another tab: the badge's next poll, or a panel opening, must not show the
    # login page inside the badge or the panel.
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/queue/?due=overdue"}
    for url in (reverse("inbox_badge"), reverse("task_detail", args=[task.pk])):
        response = client.get(url, headers=headers)

        assert response.status_code == 204
        assert response["HX-Redirect"] == f"{reverse('login')}?next=/queue/%3Fdue%3Doverdue"
    assert client.get(reverse("login"), headers={"HX-Request": "true"}).status_code == 200


def test_htmx_requests_and_stay_signed_in_are_activity(client, coordinator, task, clock):
    client.force_login(coordinator)
    clock.shift(IDLE - MINUTE)
    assert (
        client.get(reverse("task_detail", args=[task.pk]), headers={"HX-Request": "true"}).status_code == 200
    )
    clock.shift(IDLE - MINUTE)
    extended = client.post(reverse("session_extend"))
    assert extended.json() == {"seconds_left": settings.SESSION_IDLE_TIMEOUT}
    clock.shift(IDLE - MINUTE)

    assert client.get(reverse("my_work")).status_code == 200


def test_absolute_lifetime_ends_even_a_busy_session(client, coordinator, clock):
    client.force_login(coordinator)
    work = reverse("my_work")
    lifetime = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert lifetime == datetime.timedelta(hours=12)
    busy = datetime.timedelta(minutes=10)
    for _ in range(int((lifetime - MINUTE) / busy)):
        clock.shift(busy)
        assert client.get(work).status_code == 200

    clock.shift(lifetime - busy * int((lifetime - MINUTE) / busy))
    response = client.get(work)

    assert sent_to_login(response, work)
    login = client.get(response["Location"]).content.decode()
    assert "You were signed out 12 hours after signing in." in login


def test_a_session_without_a_sign_in_time_is_ended(client, coordinator):
    client.force_login(coordinator)
    session = client.session
    del session["signed_in_at"]
    session.save()

    assert client.get(reverse("my_work")).status_code == 302
    assert not signed_in(client)


@pytest.mark.parametrize(
    ("name", "args", "headers"),
    [
        ("patient_detail", "patient", {}),
        ("task_detail", "task", {"HX-Request": "true"}),
        ("queue_export", None, {}),
        ("my_work", None, {}),
        ("inbox_badge", None, {"HX-Request": "true"}),
    ],
)
def test_answers_to_a_signed_in_user_are_never_stored(
    client, coordinator, patient, task, name, args, headers
):
    client.force_login(coordinator)
    target = {"patient": [patient.pk], "task": [task.pk], None: []}[args]

    response = client.get(reverse(name, args=target), headers=headers)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_deactivating_a_user_ends_all_their_sessions(client, coordinator, colleague, django_user_model):
    from django.test import Client

    elsewhere = Client()
    client.force_login(coordinator)
    elsewhere.force_login(coordinator)
    bystander = Client()
    bystander.force_login(colleague)
    assert UserSession.objects.filter(user=coordinator).count() == 2

    coordinator.is_active = False
    coordinator.save()

    assert not UserSession.objects.filter(user=coordinator).exists()
    assert UserSession.objects.filter(user=colleague).count() == 1
    assert client.get(reverse("my_work")).status_code == 302
    assert bystander.get(reverse("my_work")).status_code == 200
