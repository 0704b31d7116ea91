"""What each role may do, as README "Roles and access" and "Dashboards" say, asked the way the
code asks it (user.has_perm, tasks.rights, the dashboard's scope) of a user of each role fixture;
and the seeding: each role group holds exactly the rights accounts/roles.py lists, again after an
admin edits it, and seeding twice changes nothing."""

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.roles import ROLE_PERMISSIONS, Role, sync_role_permissions
from tasks import rights
from tasks.choices import TaskKind
from tasks.rowsets import Scope, scope_for
from tests.factories import TaskFactory

ROLES = ("provider", "coordinator", "medical_assistant", "front_desk", "manager", "admin")
STAFF = {"provider", "coordinator", "medical_assistant", "front_desk", "manager"}  # not admin
CLINICAL = STAFF - {"front_desk"}

# The design table, right by right: the roles that hold it; every other role must not.
DESIGN = [
    ("see patients of own teams", "careplans.view_patient", STAFF),
    ("see goals and interventions", "careplans.view_clinical", CLINICAL),
    ("edit goals and interventions", "careplans.edit_clinical", {"provider"}),
    ("apply care plan templates", "careplans.apply_template", CLINICAL),
    ("move own tasks through statuses", "tasks.work_task", STAFF),
    ("reopen a closed task", "tasks.reopen_task", {"manager"}),
    ("have a dashboard", "tasks.view_dashboard", CLINICAL),
    ("manage users", "accounts.change_user", {"admin"}),
    ("manage roles", "auth.change_group", {"admin"}),
    ("manage teams", "accounts.change_careteam", {"admin"}),
    ("manage programs", "careplans.change_program", {"admin"}),
    ("manage templates", "careplans.change_careplantemplate", {"admin"}),
    ("manage escalation policies", "notifications.change_escalationpolicy", {"admin"}),
]


def _codes(group: Group) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }


def _grants() -> set[tuple[int, str, str]]:
    """Every row granting a right to a role group: (row id, group, right)."""
    through = Group.permissions.through.objects.filter(group__name__in=Role.values)
    return set(through.values_list("pk", "group__name", "permission__codename"))


@pytest.mark.parametrize(("right", "holders"), [pytest.param(r, h, id=label) for label, r, h in DESIGN])
def test_each_role_holds_a_right_exactly_as_the_design_says(request, right, holders):
    held = {role for role in ROLES if request.getfixturevalue(role).has_perm(right)}

    assert held == holders


@pytest.mark.parametrize("role", ROLES)
def test_who_may_create_which_task(request, role):
    """Clinical staff create any task; the front desk scheduling and outreach calls only; admin none."""
    user = request.getfixturevalue(role)
    may = {kind for kind in TaskKind.values if rights.can_create(user, kind=kind)}

    if role in CLINICAL:
        assert may == set(TaskKind.values)
    elif role == "front_desk":
        assert may == {TaskKind.SCHEDULING, TaskKind.OUTREACH_CALL}
    else:
        assert may == set()


@pytest.mark.parametrize(
    ("role", "own", "colleagues"),
    [
        ("provider", False, False),
        ("coordinator", True, False),
        ("medical_assistant", True, False),
        ("front_desk", False, False),
        ("manager", True, True),  # any task of a team they manage
    ],
)
def test_who_may_reassign_whose_task(request, patient, colleague, role, own, colleagues):
    user = request.getfixturevalue(role)

    assert rights.can_reassign(user, TaskFactory(patient=patient, owner=user)) is own
    assert rights.can_reassign(user, TaskFactory(patient=patient, owner=colleague)) is colleagues


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("manager", Scope.TEAMS),
        ("provider", Scope.MY_PATIENTS),
        ("coordinator", Scope.MINE),
        ("medical_assistant", Scope.MINE),
    ],
)
def test_each_dashboard_role_sees_its_own_slice(request, role, scope):
    assert scope_for(request.getfixturevalue(role)) == scope


def test_every_role_has_a_permission_list():
    assert set(ROLE_PERMISSIONS) == set(Role.values)


def test_migration_seeds_each_role_with_exactly_its_permissions(db):
    for role in Role:
        group = Group.objects.get(name=role)
        assert _codes(group) == set(ROLE_PERMISSIONS[role]), role


def test_seeding_twice_changes_nothing(db):
    sync_role_permissions()
    groups = dict(Group.objects.filter(name__in=Role.values).values_list("name", "pk"))
    grants = _grants()

    sync_role_permissions()

    assert dict(Group.objects.filter(name__in=Role.values).values_list("name", "pk")) == groups
    assert _grants() == grants
    assert len(groups) == len(Role)


def test_seeding_again_restores_exact_permissions_after_admin_edits(db):
    group = Group.objects.get(name=Role.FRONT_DESK)
    group.permissions.add(Permission.objects.get(codename="reopen_task"))
    group.permissions.remove(Permission.objects.get(codename="add_scheduling_task"))

    sync_role_permissions()

    assert _codes(group) == set(ROLE_PERMISSIONS[Role.FRONT_DESK])
    assert Group.objects.filter(name__in=Role.values).count() == len(Role)


def test_a_right_that_does_not_exist_yet_is_refused_or_skipped(db, monkeypatch):
    """The early data migrations skip rights of apps migrated after them; anything else refuses."""
    roles = {**ROLE_PERMISSIONS, Role.FRONT_DESK: [*ROLE_PERMISSIONS[Role.FRONT_DESK], "later.view_thing"]}
    monkeypatch.setattr("accounts.roles.ROLE_PERMISSIONS", roles)

    with pytest.raises(Permission.DoesNotExist, match=r"later\.view_thing"):
        sync_role_permissions()
    sync_role_permissions(skip_missing=True)

    assert _codes(Group.objects.get(name=Role.FRONT_DESK)) == set(ROLE_PERMISSIONS[Role.FRONT_DESK])
