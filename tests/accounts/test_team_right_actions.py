"""Granting and revoking team rights (accounts.actions): the admin's only way to change team
membership, kept in the membership history with who did it."""

import pytest

from accounts.actions import grant_team_right, revoke_team_right
from accounts.errors import NotAllowed
from accounts.models import CareTeamUserObjectPermission, TeamRight
from accounts.roles import Role
from accounts.scope import team_rights
from tests.factories import UserFactory


def _history(user):
    return list(
        CareTeamUserObjectPermission.history.filter(user=user)
        .order_by("history_id")
        .values_list("history_type", "history_user", "history_change_reason")
    )


def test_a_grant_gives_the_scope_once_and_says_who_granted_it(admin, other_team):
    person = UserFactory(roles=[Role.COORDINATOR])

    row = grant_team_right(user=person, team=other_team, right=TeamRight.MANAGER, by=admin)
    again = grant_team_right(user=person, team=other_team, right=TeamRight.MANAGER, by=admin)

    assert again == row and str(row) == f"{person}: Manager of South team"
    assert team_rights(person) == {"work": [], "manage": [other_team.pk]}
    assert _history(person) == [("+", admin.pk, "Granted")]


def test_a_revoke_takes_the_scope_away_and_keeps_the_history(admin, coordinator, team):
    assert revoke_team_right(user=coordinator, team=team, right=TeamRight.MEMBER, by=admin)
    assert not revoke_team_right(user=coordinator, team=team, right=TeamRight.MEMBER, by=admin)

    coordinator = type(coordinator).objects.get(pk=coordinator.pk)
    assert team_rights(coordinator) == {"work": [], "manage": []}
    assert _history(coordinator)[-1] == ("-", admin.pk, "Revoked")


@pytest.mark.parametrize("role", ["manager", "coordinator", "provider"])
def test_only_an_admin_grants_or_revokes(request, role, coordinator, other_team, team):
    actor = request.getfixturevalue(role)
    before = _history(coordinator)

    with pytest.raises(NotAllowed):
        grant_team_right(user=coordinator, team=other_team, right=TeamRight.MEMBER, by=actor)
    with pytest.raises(NotAllowed):
        revoke_team_right(user=coordinator, team=team, right=TeamRight.MEMBER, by=actor)

    assert _history(coordinator) == before
