"""The admin is no side door (issue #11): a practice admin (the Admin role, staff, not a
superuser) cannot open patient records there, grant superuser or staff status, or raise its own
rights. Each attempt is a real request that fails and changes nothing."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.actions import grant_team_right
from accounts.errors import NotAllowed
from accounts.models import CareTeamUserObjectPermission, TeamRight, User
from accounts.roles import Role
from tests.admin_forms import form_values
from tests.factories import UserFactory, member

PREFIX = "careteamuserobjectpermission_set"

PATIENT_MODELS = [
    "careplans_patient",
    "careplans_careplan",
    "careplans_appointment",
    "tasks_task",
    "tasks_activity",
    "notifications_notification",
]


@pytest.fixture
def greedy_admin(admin):
    """The Admin role, holding besides every Django permission on the patient models, as an admin
    who ticked them onto a role would: the admin still shows them no patient data."""
    admin.user_permissions.add(
        *Permission.objects.filter(content_type__app_label__in=["careplans", "tasks", "notifications"])
    )
    return User.objects.get(pk=admin.pk)


def _urls(model: str, obj) -> list[str]:
    return [
        reverse(f"admin:{model}_changelist"),
        reverse(f"admin:{model}_add"),
        reverse(f"admin:{model}_change", args=[obj.pk]),
        reverse(f"admin:{model}_history", args=[obj.pk]),
    ]


def _right_id(right: TeamRight) -> str:
    return str(Permission.objects.get(content_type__app_label="accounts", codename=right).pk)


def _flags(user) -> tuple:
    user.refresh_from_db()
    return user.is_staff, user.is_superuser, sorted(user.groups.values_list("name", flat=True))


def _team_rights(user) -> set:
    return set(
        CareTeamUserObjectPermission.objects.filter(user=user).values_list("content_object", "permission")
    )


def test_patient_records_are_not_in_the_admin_for_a_practice_admin(
    client, greedy_admin, task, care_plan, coordinator, today
):
    from careplans.models import Appointment
    from notifications.models import Kind, Notification
    from tasks import actions

    objects = {
        "careplans_patient": task.patient,
        "careplans_careplan": care_plan,
        "careplans_appointment": Appointment.objects.create(
            patient=task.patient, starts_at="2026-12-01T10:00Z", kind="visit"
        ),
        "tasks_task": task,
        "tasks_activity": actions.add_note(task, by=coordinator, body="called", contact_outcome="reached"),
        "notifications_notification": Notification.objects.create(
            recipient=coordinator, task=task, kind=Kind.OVERDUE, day=today
        ),
    }
    client.force_login(greedy_admin)

    index = client.get(reverse("admin:index")).content.decode()
    for model in PATIENT_MODELS:
        for url in _urls(model, objects[model]):
            assert client.get(url).status_code == 403, url
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "careplans", "model_name": "careplan", "field_name": "patient", "term": ""},
    )
    posted = client.post(
        reverse("admin:careplans_patient_change", args=[task.patient.pk]), {"last_name": "Changed"}
    )

    assert autocomplete.status_code == 403
    assert posted.status_code == 403
    task.patient.refresh_from_db()
    assert task.patient.last_name != "Changed"
    for listed in ("/admin/careplans/patient/", "/admin/tasks/task/", "/admin/notifications/notification/"):
        assert listed not in index
    assert "/admin/careplans/careplantemplate/" in index  # templates stay the admin's


def test_the_operator_still_opens_patient_records(client, superuser, task):
    client.force_login(superuser)

    task_pages = [url for url in _urls("tasks_task", task) if not url.endswith("/add/")]  # made in the app
    for url in _urls("careplans_patient", task.patient) + task_pages:
        assert client.get(url).status_code == 200, url


def test_a_practice_admin_cannot_grant_superuser_or_staff(client, admin, coordinator):
    client.force_login(admin)
    url = reverse("admin:accounts_user_change", args=[coordinator.pk])
    page = client.get(url).content.decode()
    data = form_values(page)
    data.update(is_superuser=["on"], is_staff=["on"])
    before, versions = _flags(coordinator), coordinator.history.count()

    response = client.post(url, data)

    assert response.status_code == 403
    assert _flags(coordinator) == before == (False, False, [Role.COORDINATOR])
    assert coordinator.history.count() == versions
    assert 'name="is_staff"' not in page and 'name="is_superuser"' not in page
    assert "Uses the admin" in page  # shown, not changed


def test_a_practice_admin_cannot_add_an_admin(client, admin):
    client.force_login(admin)
    url = reverse("admin:accounts_user_add")
    page = client.get(url).content.decode()
    data = form_values(page)
    data.update(
        username=["sockpuppet"],
        usable_password=["true"],
        password1=["a-long-enough-password-7"],
        password2=["a-long-enough-password-7"],
        is_staff=["on"],
        is_superuser=["on"],
    )

    response = client.post(url, data)

    assert response.status_code == 403
    assert 'name="is_staff"' not in page
    assert not User.objects.filter(username="sockpuppet").exists()


def test_a_practice_admin_cannot_make_itself_superuser_or_give_itself_roles(client, admin, other_team):
    client.force_login(admin)
    url = reverse("admin:accounts_user_change", args=[admin.pk])
    page = client.get(url).content.decode()
    data = form_values(page)
    data.update(
        is_superuser=["on"],
        groups=[str(Group.objects.get(name=name).pk) for name in (Role.ADMIN, Role.MANAGER)],
        user_permissions=[str(Permission.objects.get(codename="view_patient").pk)],
    )
    data[f"{PREFIX}-TOTAL_FORMS"] = ["2"]
    data[f"{PREFIX}-1-content_object"] = [str(other_team.pk)]
    data[f"{PREFIX}-1-permission"] = [_right_id(TeamRight.MANAGER)]
    before, rights, versions = _flags(admin), _team_rights(admin), admin.history.count()

    response = client.post(url, data)

    assert response.status_code == 403
    assert admin.history.count() == versions
    assert _flags(admin) == before == (True, False, [Role.ADMIN])
    assert _team_rights(admin) == rights
    assert not admin.user_permissions.exists()
    assert 'type="checkbox" name="groups"' not in page and "Admin" in page  # roles shown, not ticked
    assert f'name="{PREFIX}-0-content_object"' not in page  # team rights shown, not edited


def test_a_practice_admin_cannot_add_itself_to_a_team(client, admin, other_team):
    client.force_login(admin)
    url = reverse("admin:accounts_careteam_change", args=[other_team.pk])
    data = form_values(client.get(url).content.decode())
    rows = int(data["user_permissions-TOTAL_FORMS"][0]) - 1  # the blank row
    data[f"user_permissions-{rows}-user"] = [str(admin.pk)]
    data[f"user_permissions-{rows}-permission"] = [_right_id(TeamRight.MANAGER)]
    rights = _team_rights(admin)

    response = client.post(url, data)

    assert response.status_code == 200
    assert "Nobody grants themselves a team right" in response.content.decode()
    assert _team_rights(admin) == rights


def test_the_grant_action_refuses_a_right_to_oneself(admin, other_team):
    rights = _team_rights(admin)

    with pytest.raises(NotAllowed) as refused:
        grant_team_right(user=admin, team=other_team, right=TeamRight.MEMBER, by=admin)

    assert refused.value.rule == "no-self-grant"
    assert _team_rights(admin) == rights


def test_a_practice_admin_cannot_raise_the_rights_of_its_own_role(client, admin):
    role = Group.objects.get(name=Role.ADMIN)
    client.force_login(admin)
    url = reverse("admin:auth_group_change", args=[role.pk])
    view = client.get(url)
    before = set(role.permissions.values_list("pk", flat=True))
    clinical = Permission.objects.get(content_type__app_label="careplans", codename="view_patient")

    response = client.post(url, {"name": "Admin", "rights": [*map(str, before), str(clinical.pk)]})

    assert view.status_code == 200 and 'name="rights"' not in view.content.decode()
    assert response.status_code == 403
    assert set(role.permissions.values_list("pk", flat=True)) == before


def test_another_admins_account_is_read_only_to_a_practice_admin(client, admin, team):
    other_admin = member(Role.ADMIN, team, username="admin2", is_staff=True)
    client.force_login(admin)
    url = reverse("admin:accounts_user_change", args=[other_admin.pk])
    password_url = reverse("admin:auth_user_password_change", args=[other_admin.pk])
    before = other_admin.password

    page = client.get(url)
    password = client.post(password_url, {"password1": "taken-over-12345", "password2": "taken-over-12345"})
    posted = client.post(
        url, {"username": "admin2", "groups": [str(Group.objects.get(name=Role.MANAGER).pk)]}
    )

    assert page.status_code == 200 and 'name="username"' not in page.content.decode()
    assert (password.status_code, posted.status_code) == (403, 403)
    other_admin.refresh_from_db()
    assert other_admin.password == before and _flags(other_admin)[2] == [Role.ADMIN]


def test_its_own_roles_or_team_rights_posted_alone_change_nothing(client, admin, other_team):
    """Without the flags, a crafted own-page POST keeps roles (not in the form) and team rights
    (a read-only inline) as they are."""
    client.force_login(admin)
    url = reverse("admin:accounts_user_change", args=[admin.pk])
    data = form_values(client.get(url).content.decode())
    data[f"{PREFIX}-TOTAL_FORMS"] = ["1"]
    data[f"{PREFIX}-0-content_object"] = [str(other_team.pk)]
    data[f"{PREFIX}-0-permission"] = [_right_id(TeamRight.MANAGER)]
    rights = _team_rights(admin)

    client.post(url, data)

    assert _team_rights(admin) == rights
    assert _flags(admin) == (True, False, [Role.ADMIN])


def test_a_practice_admin_still_changes_its_own_name_and_other_peoples_roles(client, admin, coordinator):
    newcomer = UserFactory(roles=[Role.COORDINATOR])
    client.force_login(admin)
    own = reverse("admin:accounts_user_change", args=[admin.pk])
    data = form_values(client.get(own).content.decode())
    data["first_name"] = ["Alexis"]

    assert client.post(own, data).status_code == 302
    admin.refresh_from_db()
    assert admin.first_name == "Alexis"
    other = reverse("admin:accounts_user_change", args=[newcomer.pk])
    data = form_values(client.get(other).content.decode())
    data["groups"] = [str(Group.objects.get(name=Role.MANAGER).pk)]
    assert client.post(other, data).status_code == 302
    assert _flags(newcomer)[2] == [Role.MANAGER]


def test_a_history_version_cannot_be_reverted_to_regain_staff_or_a_team_right(
    client, admin, team, other_team
):
    """simple-history's revert saves the whole past row, fields the form hides included, and
    asks for no change right: in this admin, history is read, never reverted."""
    ex_admin = member(Role.COORDINATOR, team, username="exadmin", is_staff=True)
    ex_admin.is_staff = False
    ex_admin.save()
    staff_version = ex_admin.history.order_by("history_id").first()
    grant_team_right(
        user=ex_admin, team=other_team, right=TeamRight.MEMBER, by=UserFactory(is_superuser=True)
    )
    row = CareTeamUserObjectPermission.objects.get(user=ex_admin, content_object=other_team)
    row_pk = row.pk
    row.delete()
    revoked_version = CareTeamUserObjectPermission.history.filter(id=row_pk).order_by("history_id").first()
    client.force_login(admin)
    user_url = reverse("admin:accounts_user_simple_history", args=[ex_admin.pk, staff_version.history_id])
    data = form_values(client.get(user_url).content.decode())
    right_url = reverse(
        "admin:accounts_careteamuserobjectpermission_simple_history",
        args=[row_pk, revoked_version.history_id],
    )

    reverted = client.post(user_url, data)
    regranted = client.post(right_url, {"user": ex_admin.pk})

    assert (reverted.status_code, regranted.status_code) == (403, 403)
    ex_admin.refresh_from_db()
    assert not ex_admin.is_staff
    assert not CareTeamUserObjectPermission.objects.filter(pk=row_pk).exists()


def test_nobody_deactivates_their_own_account(client, admin):
    """The practice would be left without its admin (and the save ended the very session making
    it): on one's own page Active is text, and a form without it leaves the account active."""
    client.force_login(admin)
    url = reverse("admin:accounts_user_change", args=[admin.pk])
    page = client.get(url).content.decode()
    data = form_values(page)
    data.pop("is_active", None)

    response = client.post(url, data)

    assert 'name="is_active"' not in page and "another admin deactivates it" in page
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.is_active


def test_an_admin_resets_a_managers_two_factor_but_not_its_own(client, admin, manager):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    client.force_login(admin)
    url = reverse("admin:accounts_user_changelist")

    response = client.post(url, {"action": "reset_two_factor", "_selected_action": [manager.pk, admin.pk]})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=manager).exists()
    assert TOTPDevice.objects.filter(user=admin).exists()
