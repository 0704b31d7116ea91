"""Fixtures of the transfer tests (tests/tasks/test_transfer*.py): North (`team`) is the old
team, South (`other_team`) the new one."""

import pytest
from guardian.shortcuts import assign_perm

from accounts.roles import Role
from tests.factories import member

REASON = "Moved to the south side of town"


@pytest.fixture
def both_manager(team, other_team):
    """Works in and manages both teams."""
    user = member(Role.MANAGER, team, username="bothmanager")
    assign_perm("accounts.work_in_careteam", user, other_team)
    assign_perm("accounts.manage_careteam", user, other_team)
    return user


@pytest.fixture
def south_coordinator(other_team):
    return member(Role.COORDINATOR, other_team, username="southcoordinator")


@pytest.fixture
def south_provider(other_team):
    return member(Role.PROVIDER, other_team, username="southprovider")
