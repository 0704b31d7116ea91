"""Brute force: wrong passwords lock a username whatever the address, and an address whatever
the usernames (django-axes, settings.AXES_*); the lockout says so on the login page; an
administrator unlocks; every failure is kept and logged with its username and address."""

import logging

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from accounts.lockout import client_address

PASSWORD = "correct-horse-staple-91"
LIMIT = settings.AXES_FAILURE_LIMIT
ADDRESS_LIMIT = settings.LOGIN_ADDRESS_FAILURE_LIMIT


@pytest.fixture
def coordinator(coordinator):
    coordinator.set_password(PASSWORD)
    coordinator.save()
    return coordinator


def attempt(client, username, password, address):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def test_a_username_locks_at_the_limit_from_any_number_of_addresses(client, coordinator):
    for n in range(LIMIT - 1):
        assert attempt(client, "coordinator", "wrong", f"10.0.0.{n}").status_code == 200

    # One short of the limit the right password still works, from yet another address...
    assert attempt(client, "coordinator", PASSWORD, "10.0.1.1").status_code == 302
    client.logout()
    # ...and the failure that reaches it locks the username, wherever the next try comes from.
    attempt(client, "coordinator", "wrong", "10.0.0.200")
    response = attempt(client, "coordinator", PASSWORD, "192.0.2.50")

    assert response.status_code == 429
    assert not signed_in(client)
    body = response.content.decode()
    assert "Too many wrong passwords" in body and "ask your practice administrator" in body
    assert 'name="username"' in body and 'value="coordinator"' in body  # the login form, again


def test_an_address_locks_at_its_own_higher_limit_across_usernames(client, coordinator):
    address = "203.0.113.7"
    assert ADDRESS_LIMIT > LIMIT  # a clinic's computers share one address
    for n in range(ADDRESS_LIMIT - 1):
        attempt(client, f"guess{n}", "wrong", address)
    assert attempt(client, "coordinator", PASSWORD, address).status_code == 302
    client.logout()

    attempt(client, "one-more-guess", "wrong", address)
    refused = attempt(client, "coordinator", PASSWORD, address)
    elsewhere = attempt(client, "coordinator", PASSWORD, "198.51.100.1")

    assert refused.status_code == 429 and "Too many wrong passwords" in refused.content.decode()
    assert elsewhere.status_code == 302 and signed_in(client)


def lock(client, username="coordinator", address="10.9.9.9"):
    for _ in range(LIMIT):
        attempt(client, username, "wrong", address)
    assert attempt(client, username, PASSWORD, "10.8.8.8").status_code == 429


def test_the_documented_command_unlocks_a_username(client, coordinator):
    lock(client)

    call_command("axes_reset_username", "coordinator", verbosity=0)

    assert attempt(client, "coordinator", PASSWORD, "10.8.8.8").status_code == 302


def test_an_admin_unlocks_in_the_admin(client, coordinator, admin):
    lock(client)
    client.force_login(admin)
    locked = [a.pk for a in AccessAttempt.objects.filter(username="coordinator")]
    changelist = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200 and "coordinator" in changelist.content.decode()

    response = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": locked, "post": "yes"},
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(pk__in=locked).exists()
    client.logout()
    assert attempt(client, "coordinator", PASSWORD, "10.8.8.8").status_code == 302


def test_each_failure_is_kept_and_logged_with_username_and_address(client, coordinator, caplog):
    caplog.set_level(logging.INFO)

    # Sent to log in again from a queue search: the address holds a patient's name.
    client.post(
        reverse("login") + "?next=/queue/%3Fq%3DLovelace",
        {"username": "coordinator", "password": "wrong-password-typed", "next": "/queue/?q=Lovelace"},
        REMOTE_ADDR="10.1.2.3",
    )

    (row,) = AccessFailureLog.objects.all()
    assert (row.username, row.ip_address, row.locked_out) == ("coordinator", "10.1.2.3", False)
    logged = [r.getMessage() for r in caplog.records if r.name == "followthrough.auth"]
    assert logged == ["login failed: username='coordinator' address=10.1.2.3"]
    assert "wrong-password-typed" not in caplog.text and "Lovelace" not in caplog.text
    kept = AccessAttempt.objects.get()
    assert "wrong-password-typed" not in kept.post_data and "Lovelace" not in kept.post_data + kept.get_data


@pytest.mark.parametrize(
    ("behind_proxy", "expected"),
    [(False, "10.0.0.1"), (True, "198.51.100.9")],
)
def test_the_address_behind_our_proxy_is_the_one_it_appended(rf, behind_proxy, expected):
    # A client can send its own X-Forwarded-For; the proxy appends the real address last.
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9")
    with override_settings(BEHIND_PROXY=behind_proxy):
        assert client_address(request) == expected
