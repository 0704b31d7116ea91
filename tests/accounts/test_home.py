import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories import UserFactory, member
from tests.helpers import authenticator, totp_code

PASSWORD = "a-long-test-password-1"


def test_a_superuser_lands_in_the_admin_not_on_a_dashboard_of_no_team(client, superuser):
    """A superuser holds every right, the dashboard's included, but works in no team."""
    client.force_login(superuser)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


LANDINGS = {
    "provider": "/patients/?mine=1",
    "coordinator": "/work/",
    "medical_assistant": "/work/",
    "front_desk": "/work/",
    "manager": "/dashboard/",
    "admin": "/admin/",
    "outsider": "/work/",
}


@pytest.mark.parametrize("role", list(LANDINGS))
def test_each_role_lands_where_its_day_starts_after_logging_in(client, request, role):
    """Both steps for managers and admins (their phone set up before), the password for others."""
    user = request.getfixturevalue(role)
    user.set_password(PASSWORD)
    user.save()
    phone = authenticator(user) if role in ("manager", "admin") else None

    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)
    if phone:
        assert response.redirect_chain[-1][0].startswith(reverse("two_factor_verify"))
        response = client.post(response.redirect_chain[-1][0], {"code": totp_code(phone)}, follow=True)

    assert response.redirect_chain[-1][0] == LANDINGS[role]
    assert response.status_code == 200


def test_an_admin_in_no_team_lands_in_the_admin_not_on_an_empty_list(client):
    """The Admin role, staff, and no care team right: there is no patient or queue to show."""
    user = UserFactory(roles=[Role.ADMIN], is_staff=True)
    client.force_login(user)

    assert client.get(reverse("home"))["Location"] == reverse("admin:index")


def test_staff_who_also_work_in_a_team_land_on_their_work(client, team):
    """A manager who edits templates in the admin still starts the day on the dashboard."""
    user = member(Role.MANAGER, team, is_staff=True)
    client.force_login(user)

    assert client.get(reverse("home"))["Location"] == reverse("dashboard")


def test_a_provider_who_uses_the_admin_but_works_in_no_team_lands_in_the_admin(client):
    user = UserFactory(roles=[Role.PROVIDER, Role.ADMIN], is_staff=True)
    client.force_login(user)

    assert client.get(reverse("home"))["Location"] == reverse("admin:index")
