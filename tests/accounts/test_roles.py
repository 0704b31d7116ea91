import pytest
from django.contrib.auth.models import Group, Permission

from accounts.roles import ROLE_PERMISSIONS, Role, sync_role_permissions


def _codes(group: Group) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }


def test_every_role_has_a_permission_list():
    assert set(ROLE_PERMISSIONS) == set(Role.values)


def test_migration_seeds_each_role_with_exactly_its_permissions(db):
    for role in Role:
        group = Group.objects.get(name=role)
        assert _codes(group) == set(ROLE_PERMISSIONS[role]), role


def test_seeding_again_restores_exact_permissions_after_admin_edits(db):
    group = Group.objects.get(name=Role.FRONT_DESK)
    group.permissions.add(Permission.objects.get(codename="reopen_task"))
    group.permissions.remove(Permission.objects.get(codename="add_scheduling_task"))

    sync_role_permissions()

    assert _codes(group) == set(ROLE_PERMISSIONS[Role.FRONT_DESK])
    assert Group.objects.filter(name__in=Role.values).count() == len(Role)


def test_only_managers_hold_the_reopen_right():
    holders = {role for role, codes in ROLE_PERMISSIONS.items() if "tasks.reopen_task" in codes}
    assert holders == {Role.MANAGER}


def test_everyone_who_works_tasks_but_front_desk_has_a_dashboard_of_their_own_slice():
    holders = {role for role, codes in ROLE_PERMISSIONS.items() if "tasks.view_dashboard" in codes}
    assert holders == {Role.MANAGER, Role.PROVIDER, Role.COORDINATOR, Role.MEDICAL_ASSISTANT}


def test_front_desk_and_admin_cannot_read_clinical_fields():
    for role in (Role.FRONT_DESK, Role.ADMIN):
        assert "careplans.view_clinical" not in ROLE_PERMISSIONS[role]


def test_a_right_that_does_not_exist_yet_is_refused_or_skipped(db, monkeypatch):
    """The early data migrations skip rights of apps migrated after them; anything else refuses."""
    roles = {**ROLE_PERMISSIONS, Role.FRONT_DESK: [*ROLE_PERMISSIONS[Role.FRONT_DESK], "later.view_thing"]}
    monkeypatch.setattr("accounts.roles.ROLE_PERMISSIONS", roles)

    with pytest.raises(Permission.DoesNotExist, match=r"later\.view_thing"):
        sync_role_permissions()
    sync_role_permissions(skip_missing=True)

    assert _codes(Group.objects.get(name=Role.FRONT_DESK)) == set(ROLE_PERMISSIONS[Role.FRONT_DESK])
