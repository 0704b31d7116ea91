"""The user admin as a practice administrator (the Admin role, not a superuser) uses it: team
rights in words ("Member of North team"), granted and revoked on the user's page through
accounts.actions with the admin's name in the history, and no way to hand out a superuser's
powers."""

from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import CareTeamUserObjectPermission, TeamRight
from accounts.roles import Role
from accounts.scope import team_rights
from tests.admin_forms import form_values
from tests.factories import UserFactory, member
from tests.helpers import count_queries

PREFIX = "careteamuserobjectpermission_set"


def _change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def _page(client, user):
    response = client.get(_change_url(user))
    assert response.status_code == 200
    return response.content.decode()


def _right_id(right: TeamRight) -> str:
    from django.contrib.auth.models import Permission

    return str(Permission.objects.get(content_type__app_label="accounts", codename=right).pk)


def _rights_of(user) -> set[tuple[str, str]]:
    return set(
        CareTeamUserObjectPermission.objects.filter(user=user).values_list(
            "content_object__name", "permission__codename"
        )
    )


def test_the_user_page_names_team_rights_in_words(client, admin, coordinator, manager, team):
    client.force_login(admin)

    coordinator_page = _page(client, coordinator)
    manager_page = _page(client, manager)

    assert "Member of North team" in coordinator_page
    assert "Manager of North team" in manager_page
    for raw in ("work_in_careteam", "manage_careteam", "content object", "CONTENT OBJECT"):
        assert raw not in coordinator_page
    assert "Member: works the team&#x27;s patients and tasks" in coordinator_page


def test_someone_in_no_team_is_told_they_see_no_patient(client, admin):
    newcomer = UserFactory(roles=[Role.COORDINATOR])
    client.force_login(admin)

    assert "None: sees no patient until given a care team right below." in _page(client, newcomer)


def test_the_user_list_shows_roles_and_team_rights_at_a_fixed_cost(client, admin, team, other_team):
    client.force_login(admin)
    url = reverse("admin:accounts_user_changelist")
    member(Role.COORDINATOR, team)
    few = count_queries(client, url)
    for _ in range(12):
        member(Role.MANAGER, other_team)

    body = client.get(url).content.decode()

    assert count_queries(client, url) == few
    assert "Manager of South team" in body and "Member of North team" in body


def test_granting_a_team_right_on_the_user_page_gives_the_scope_with_history(client, admin, other_team):
    newcomer = UserFactory(roles=[Role.COORDINATOR])
    client.force_login(admin)
    data = form_values(_page(client, newcomer))
    data[f"{PREFIX}-0-content_object"] = [str(other_team.pk)]
    data[f"{PREFIX}-0-permission"] = [_right_id(TeamRight.MEMBER)]

    response = client.post(_change_url(newcomer), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    newcomer.refresh_from_db()
    assert team_rights(newcomer) == {"work": [other_team.pk], "manage": []}
    granted = CareTeamUserObjectPermission.history.get(user=newcomer)
    assert (granted.history_type, granted.history_user, granted.history_change_reason) == (
        "+",
        admin,
        "Granted",
    )
    assert "Member of South team, by" in _page(client, newcomer)


def test_revoking_and_changing_rights_on_the_user_page(client, admin, team, other_team):
    person = member(Role.MANAGER, team)  # works in and manages the team
    client.force_login(admin)
    data = form_values(_page(client, person))
    rows = {data[f"{PREFIX}-{i}-permission"][0]: i for i in range(2)}
    data[f"{PREFIX}-{rows[_right_id(TeamRight.MANAGER)]}-DELETE"] = ["on"]
    data[f"{PREFIX}-{rows[_right_id(TeamRight.MEMBER)]}-content_object"] = [str(other_team.pk)]

    response = client.post(_change_url(person), data)

    assert response.status_code == 302
    assert _rights_of(person) == {("South team", TeamRight.MEMBER)}
    kinds = list(
        CareTeamUserObjectPermission.history.filter(user=person).values_list("history_type", "history_user")
    )
    assert kinds.count(("-", admin.pk)) == 2 and kinds.count(("+", admin.pk)) == 1


def test_the_same_right_twice_is_refused_and_nothing_changes(client, admin, team):
    person = member(Role.COORDINATOR, team)
    client.force_login(admin)
    data = form_values(_page(client, person))
    data[f"{PREFIX}-1-content_object"] = [str(team.pk)]
    data[f"{PREFIX}-1-permission"] = [_right_id(TeamRight.MEMBER)]

    response = client.post(_change_url(person), data)

    assert response.status_code == 200
    assert "This right on this team is held already." in response.content.decode()
    assert _rights_of(person) == {("North team", TeamRight.MEMBER)}


def test_roles_are_ticked_and_a_practice_admin_cannot_make_a_superuser(client, admin, team):
    person = member(Role.COORDINATOR, team)
    client.force_login(admin)
    body = _page(client, person)
    data = form_values(body)
    data["groups"] = [str(Group.objects.get(name=Role.FRONT_DESK).pk)]
    crafted = {**data, "is_superuser": ["on"], "user_permissions": ["1"]}

    refused = client.post(_change_url(person), crafted)
    person.refresh_from_db()
    assert refused.status_code == 403
    assert [g.name for g in person.groups.all()] == [Role.COORDINATOR]
    response = client.post(_change_url(person), data)

    assert response.status_code == 302
    person.refresh_from_db()
    assert [g.name for g in person.groups.all()] == [Role.FRONT_DESK]
    assert not person.is_superuser and not person.user_permissions.exists()
    assert 'type="checkbox" name="groups"' in body
    assert 'name="is_superuser"' not in body and 'name="user_permissions"' not in body


def test_a_superuser_account_is_read_only_to_a_practice_admin(client, admin, superuser):
    client.force_login(admin)

    page = client.get(_change_url(superuser))
    password = client.get(reverse("admin:auth_user_password_change", args=[superuser.pk]))
    posted = client.post(_change_url(superuser), {"username": "taken-over"})

    assert page.status_code == 200 and 'name="username"' not in page.content.decode()
    assert password.status_code == 403
    assert posted.status_code == 403
    superuser.refresh_from_db()
    assert superuser.username == "root"


def test_the_operator_still_has_superuser_and_model_permissions_folded_away(client, superuser, coordinator):
    client.force_login(superuser)

    body = _page(client, coordinator)

    assert 'name="is_superuser"' in body and 'name="user_permissions"' in body
    assert "Operator only" in body


def test_the_team_page_lists_members_in_words_and_grants_through_the_actions(client, admin, team):
    newcomer = UserFactory(roles=[Role.PROVIDER])
    client.force_login(admin)
    url = reverse("admin:accounts_careteam_change", args=[team.pk])
    data = form_values(client.get(url).content.decode())
    rows = int(data["user_permissions-TOTAL_FORMS"][0]) - 1  # the blank row
    data[f"user_permissions-{rows}-user"] = [str(newcomer.pk)]
    data[f"user_permissions-{rows}-permission"] = [_right_id(TeamRight.MANAGER)]

    response = client.post(url, data)

    assert response.status_code == 302
    assert _rights_of(newcomer) == {("North team", TeamRight.MANAGER)}
    assert CareTeamUserObjectPermission.history.get(user=newcomer).history_user == admin


def test_the_membership_list_reads_in_words_and_revokes_through_the_actions(client, admin, coordinator, team):
    client.force_login(admin)
    url = reverse("admin:accounts_careteamuserobjectpermission_changelist")
    row = CareTeamUserObjectPermission.objects.get(user=coordinator)

    body = client.get(url).content.decode()
    client.post(url, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})

    assert "Member of North team" in body and "content object" not in body.lower()
    assert not CareTeamUserObjectPermission.objects.filter(user=coordinator).exists()
    assert (
        CareTeamUserObjectPermission.history.filter(user=coordinator, history_type="-").get().history_user
        == admin
    )


def test_a_new_person_gets_name_role_and_team_in_one_step(client, admin, team):
    client.force_login(admin)
    url = reverse("admin:accounts_user_add")
    data = form_values(client.get(url).content.decode())
    data.update(
        username=["newnurse"],
        usable_password=["true"],
        password1=["a-long-enough-password-7"],
        password2=["a-long-enough-password-7"],
        first_name=["Nia"],
        last_name=["Nurse"],
        groups=[str(Group.objects.get(name=Role.MEDICAL_ASSISTANT).pk)],
    )
    data[f"{PREFIX}-0-content_object"] = [str(team.pk)]

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    person = type(admin).objects.get(username="newnurse")
    assert (person.get_full_name(), [g.name for g in person.groups.all()]) == (
        "Nia Nurse",
        [Role.MEDICAL_ASSISTANT],
    )
    assert _rights_of(person) == {("North team", TeamRight.MEMBER)}
