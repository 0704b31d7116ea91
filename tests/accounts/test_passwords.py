"""The password policy (settings.AUTH_PASSWORD_VALIDATORS): a user's name and username are
refused inside a password; the demo password meets the policy for every demo user; the password
change page, linked from the header, applies it."""

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from demo.staff import ADMIN, NAMED_MANAGERS, NAMED_STAFF

OLD = "correct-horse-staple-91"


def demo_people():
    people = {ADMIN, *(person for team in NAMED_STAFF.values() for person in team)}
    return sorted(people | {person for person, _ in NAMED_MANAGERS}, key=lambda p: p.username)


@pytest.mark.parametrize(
    "password",
    ["casey-lantern-2026!", "Harbor.RIVERA.77", "coordinator-plus-12", "my-dog-rivera-1999"],
)
def test_a_name_or_username_inside_a_password_is_refused(password):
    user = User(username="coordinator", first_name="Casey", last_name="Rivera")

    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_password_without_them_passes():
    user = User(username="ma", first_name="Al", last_name="Price-Ng")
    validate_password("harbor-lantern-morning-47", user)  # "ma", "Al", "Ng": too short to refuse


@pytest.mark.parametrize("person", demo_people(), ids=lambda p: p.username)
def test_the_demo_password_meets_the_policy_for_every_demo_user(person):
    user = User(
        username=person.username,
        first_name=person.first_name,
        last_name=person.last_name,
        email=f"{person.username}@followthrough.example.org",
    )
    validate_password(settings.DEMO_PASSWORD, user)


@pytest.fixture
def casey(coordinator):
    coordinator.first_name, coordinator.last_name = "Casey", "Rivera"
    coordinator.set_password(OLD)
    coordinator.save()
    return coordinator


def change(client, new, old=OLD):
    return client.post(
        reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )


def test_the_header_leads_to_the_password_change_page(client, casey):
    """The header's "Sign-in" page holds the password change and two-factor sign-in."""
    client.force_login(casey)

    page = client.get(reverse("my_work")).content.decode()
    settings_page = client.get(reverse("two_factor")).content.decode()

    assert f'href="{reverse("two_factor")}">Sign-in</a>' in page
    assert f'href="{reverse("password_change")}"' in settings_page
    form = client.get(reverse("password_change")).content.decode()
    assert 'name="old_password"' in form and "Not your username or your name" in form


def test_a_password_with_the_users_name_is_refused_and_nothing_changes(client, casey):
    client.force_login(casey)

    response = change(client, "Rivera-harbor-2026")

    assert response.status_code == 200
    assert "must not contain your name" in response.content.decode()
    casey.refresh_from_db()
    assert casey.check_password(OLD)


def test_a_good_password_is_changed_and_the_session_stays(client, casey):
    client.force_login(casey)

    response = change(client, "lantern-morning-harbor-58")

    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    casey.refresh_from_db()
    assert casey.check_password("lantern-morning-harbor-58")
    assert SESSION_KEY in client.session
    assert client.get(reverse("password_change_done")).status_code == 200
