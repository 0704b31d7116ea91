"""Two-factor sign-in through the real steps: the password (client.login, the login form's
check), then a code computed from the device's key as an authenticator app does."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from accounts.twofactor import RECOVERY_CODE_COUNT, new_recovery_codes
from tests.config.test_urls import CASES, MATRIX
from tests.config.url_calls import _call, _call_verb
from tests.factories import UserFactory, member
from tests.helpers import authenticator, inline_code, totp_code

PASSWORD = "a-long-test-password-1"
# What a session that owes its second step may still reach: public pages, logging out, the step.
# The calendar feed is public: calendar apps cannot sign in, so it answers to its secret alone.
OPEN = {
    "login",
    "healthz",
    "logout",
    "two_factor_verify",
    "two_factor_setup",
    "two_factor_qr",
    "calendar_feed",
}
GATED = [case for case in CASES if case.values[0] not in OPEN]
ADMIN_PAGES = ["admin:index", "admin:careplans_patient_changelist", "admin:accounts_user_changelist"]


def password_only(client, user):
    """The first step alone: the password, as the login form checks it."""
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    # Through the login form itself: django-axes checks every sign-in against its request.
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def location(response) -> str:
    return response["Location"].split("?")[0]


@pytest.mark.parametrize(("name", "verb"), GATED)
@pytest.mark.parametrize("phone", [True, False], ids=["has-app", "no-app"])
def test_a_manager_reaches_no_page_before_the_second_step(client, world, manager, name, verb, phone):
    """Every URL of the app: with an authenticator, to the code; without one, to setting it up.
    Nothing is written."""
    if phone:
        authenticator(manager)
    password_only(client, manager)
    step = "two_factor_verify" if phone else "two_factor_setup"

    if verb:
        answer = _call_verb(client, "note", world, "manager")
    else:
        answer = _call(client, name, MATRIX[name], world, "manager")

    assert (answer.status, answer.to) == (302, step)
    assert answer.writes in (None, False)


@pytest.mark.parametrize("who", ["manager", "admin", "superuser"])
def test_the_django_admin_is_behind_the_second_step_too(client, request, who):
    user = request.getfixturevalue(who)
    password_only(client, user)

    for page in ADMIN_PAGES:
        assert location(client.get(reverse(page))) == reverse("two_factor_setup")


def test_a_staff_user_made_so_after_signing_in_must_set_up_two_factor(client, coordinator):
    password_only(client, coordinator)
    assert client.get(reverse("my_work")).status_code == 200

    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])

    assert location(client.get(reverse("my_work"))) == reverse("two_factor_setup")


def test_the_apps_code_opens_the_page_asked_for(client, manager):
    phone = authenticator(manager)
    password_only(client, manager)
    response = client.get(reverse("team_queue") + "?status=new")
    assert response["Location"] == reverse("two_factor_verify") + "?next=%2Fqueue%2F%3Fstatus%3Dnew"
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"Two-factor sign-in" in page.content
    assert b"Team queue" not in page.content, "the header offers nothing but logging out"
    assert inline_code(page.content.decode()) == []

    response = client.post(response["Location"], {"code": totp_code(phone), "next": "/queue/?status=new"})

    assert response["Location"] == "/queue/?status=new"
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_wrong_code_or_another_site_as_next_gets_nowhere(client, manager):
    phone = authenticator(manager)
    password_only(client, manager)

    wrong = client.post(reverse("two_factor_verify"), {"code": "000000"})
    assert wrong.status_code == 200 and b"not right" in wrong.content
    assert location(client.get(reverse("dashboard"))) == reverse("two_factor_verify")

    phone.throttle_reset()
    response = client.post(
        reverse("two_factor_verify"), {"code": totp_code(phone), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_wrong_codes_make_the_next_try_wait(client, manager):
    phone = authenticator(manager)
    password_only(client, manager)
    client.post(reverse("two_factor_verify"), {"code": "000000"})

    response = client.post(reverse("two_factor_verify"), {"code": totp_code(phone)})

    assert b"Too many wrong codes" in response.content
    assert location(client.get(reverse("dashboard"))) == reverse("two_factor_verify")


def test_a_code_is_good_once(client, manager):
    phone = authenticator(manager)
    code = totp_code(phone)
    password_only(client, manager)
    assert client.post(reverse("two_factor_verify"), {"code": code})["Location"] == "/"
    client.logout()

    password_only(client, manager)
    again = client.post(reverse("two_factor_verify"), {"code": code})

    assert again.status_code == 200
    assert location(client.get(reverse("dashboard"))) == reverse("two_factor_verify")


def test_recovery_codes_work_once_each(client, manager):
    authenticator(manager)
    first, second, *_ = new_recovery_codes(manager)
    password_only(client, manager)

    used = client.post(reverse("two_factor_verify"), {"code": first.upper()}, follow=True)
    assert used.status_code == 200 and used.redirect_chain[-1][0] == "/dashboard/"
    assert f"{RECOVERY_CODE_COUNT - 1} left" in used.content.decode()
    client.logout()

    password_only(client, manager)
    assert client.post(reverse("two_factor_verify"), {"code": first}).status_code == 200
    assert location(client.get(reverse("dashboard"))) == reverse("two_factor_verify")
    StaticDevice.objects.get(user=manager).throttle_reset()  # the wait after a wrong code
    assert client.post(reverse("two_factor_verify"), {"code": second})["Location"] == "/"
    assert client.get(reverse("dashboard")).status_code == 200


def test_new_recovery_codes_replace_the_old_ones(client, manager):
    old = new_recovery_codes(manager)
    client.force_login(manager)

    page = client.post(reverse("two_factor_recovery_codes"))

    assert page.status_code == 200
    tokens = set(StaticDevice.objects.get(user=manager).token_set.values_list("token", flat=True))
    assert len(tokens) == RECOVERY_CODE_COUNT and not tokens & set(old)
    assert all(token in page.content.decode() for token in tokens)


def test_a_manager_sets_up_the_app_on_first_sign_in(client, manager):
    password_only(client, manager)
    assert location(client.get(reverse("dashboard"))) == reverse("two_factor_setup")

    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200 and b"Your role requires" in page.content
    assert inline_code(page.content.decode()) == []
    qr = client.get(reverse("two_factor_qr"))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content and b"style" not in qr.content
    assert qr["Cache-Control"].startswith("max-age=0")
    phone = TOTPDevice.objects.get(user=manager, confirmed=False)
    assert client.post(reverse("two_factor_setup"), {"code": "123456"}).status_code == 200
    assert location(client.get(reverse("dashboard"))) == reverse("two_factor_setup")

    phone.throttle_reset()
    done = client.post(reverse("two_factor_setup"), {"code": totp_code(phone)})

    assert done.status_code == 200
    codes = StaticDevice.objects.get(user=manager).token_set.values_list("token", flat=True)
    assert len(codes) == RECOVERY_CODE_COUNT
    assert all(code in done.content.decode() for code in codes), "the codes are shown, once"
    phone.refresh_from_db()
    assert phone.confirmed
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("two_factor_qr")).status_code == 404, "the key is not shown again"


def test_others_sign_in_with_the_password_only_and_may_turn_two_factor_on(client, coordinator):
    password_only(client, coordinator)
    assert client.get(reverse("my_work")).status_code == 200
    assert b"Off: you sign in with your password only" in client.get(reverse("two_factor")).content

    client.get(reverse("two_factor_setup"))
    phone = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    assert client.post(reverse("two_factor_setup"), {"code": totp_code(phone)}).status_code == 200
    client.logout()

    password_only(client, coordinator)
    assert location(client.get(reverse("my_work"))) == reverse("two_factor_verify")
    client.post(reverse("two_factor_verify"), {"code": totp_code(phone)})
    assert client.get(reverse("my_work")).status_code == 200


def test_others_may_turn_it_off_with_a_code_managers_may_not(client, coordinator, manager):
    phone = authenticator(coordinator)
    client.force_login(coordinator)

    client.post(reverse("two_factor_disable"), {"code": totp_code(phone)})

    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    client.logout()

    authenticator(manager)
    client.force_login(manager)
    client.post(reverse("two_factor_disable"), {"code": totp_code(authenticator(manager))})
    assert TOTPDevice.objects.filter(user=manager).exists()


def test_rights_not_role_names_decide_who_must_use_it(client, team):
    """A renamed role changes nothing: a right of a manager's, or managing a team, requires it."""
    from django.contrib.auth.models import Group, Permission

    lead = Group.objects.create(name="Team lead")
    lead.permissions.add(Permission.objects.get(codename="reassign_any_task"))
    user = UserFactory(groups=[lead], works_in=team)
    password_only(client, user)
    assert location(client.get(reverse("inbox"))) == reverse("two_factor_setup")

    client.logout()
    password_only(client, member(Role.COORDINATOR, team, manages=team))
    assert location(client.get(reverse("inbox"))) == reverse("two_factor_setup")


def test_a_manager_who_lost_the_phone_moves_to_a_new_one_with_a_recovery_code(client, manager):
    old = authenticator(manager)
    code, *_ = new_recovery_codes(manager)
    password_only(client, manager)
    client.post(reverse("two_factor_verify"), {"code": code})

    page = client.get(reverse("two_factor_setup"))
    assert b"This replaces the authenticator app you use now" in page.content
    new = TOTPDevice.objects.get(user=manager, confirmed=False)
    assert client.post(reverse("two_factor_setup"), {"code": totp_code(new)}).status_code == 200

    assert list(TOTPDevice.objects.filter(user=manager)) == [new]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert code not in StaticDevice.objects.get(user=manager).token_set.values_list("token", flat=True)


def test_a_session_that_owes_the_code_cannot_replace_the_phone(client, manager):
    authenticator(manager)
    password_only(client, manager)

    assert location(client.get(reverse("two_factor_setup"))) == reverse("two_factor_verify")
    assert not TOTPDevice.objects.filter(user=manager, confirmed=False).exists()


def test_an_htmx_request_sends_the_whole_page_to_the_second_step(client, manager):
    authenticator(manager)
    password_only(client, manager)

    response = client.get(reverse("inbox_badge"), headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("two_factor_verify")


def test_each_password_sign_in_owes_its_own_second_step(client, manager):
    phone = authenticator(manager)
    password_only(client, manager)
    client.post(reverse("two_factor_verify"), {"code": totp_code(phone)})
    assert client.get(reverse("dashboard")).status_code == 200

    password_only(client, manager)  # the same session, the password again

    assert location(client.get(reverse("dashboard"))) == reverse("two_factor_verify")


def test_compliance_must_use_two_factor(db):
    from accounts.roles import Role
    from accounts.twofactor import requires_two_factor
    from tests.factories import UserFactory

    reviewer = UserFactory(username="reviewer")
    reviewer.groups.add(Group.objects.get(name=Role.COMPLIANCE))

    assert requires_two_factor(type(reviewer).objects.get(pk=reviewer.pk))
