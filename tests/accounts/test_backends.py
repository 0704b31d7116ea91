import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import ModelPermissionBackend
from accounts.models import User

ROLES = ["provider", "coordinator", "medical_assistant", "front_desk", "manager", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_rights_are_djangos_read_in_one_query(request, role):
    user = request.getfixturevalue(role)
    user.user_permissions.add(Permission.objects.get(codename="view_location"))  # a right of one's own
    fresh = User.objects.get(pk=user.pk)

    with CaptureQueriesContext(connection) as context:
        ours = ModelPermissionBackend().get_all_permissions(fresh)
    assert len(context.captured_queries) == 1
    assert ours == ModelBackend().get_all_permissions(User.objects.get(pk=user.pk))
    assert "accounts.view_location" in ours


def test_inactive_users_hold_nothing(coordinator):
    coordinator.is_active = False

    assert ModelPermissionBackend().get_all_permissions(coordinator) == set()
    assert not coordinator.has_perm("tasks.view_task")
