"""The role editor (Groups in the admin): the product's rights, by area, each described in a line,
as checkboxes; never Django's add/change/delete/view rights on every model."""

import re

from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.roles import RIGHTS, ROLE_PERMISSIONS, Role, offered_rights
from tests.admin_forms import form_values

DESCRIBED = sum(len(area) for area in RIGHTS.values())


def _url(group):
    return reverse("admin:auth_group_change", args=[group.pk])


def _codes(group) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }


def test_every_right_a_role_holds_is_described_once_and_exists():
    held = {code for codes in ROLE_PERMISSIONS.values() for code in codes}
    described = [code for area in RIGHTS.values() for code in area]

    assert held <= set(described), sorted(held - set(described))
    assert len(described) == len(set(described))
    assert sum(len(rights) for _area, rights in offered_rights()) == DESCRIBED
    assert [area for area, _rights in offered_rights()] == list(RIGHTS)


def test_the_role_editor_offers_only_the_products_rights_grouped_and_described(client, admin):
    coordinator_role = Group.objects.get(name=Role.COORDINATOR)
    client.force_login(admin)

    body = client.get(_url(coordinator_role)).content.decode()

    boxes = re.findall(r'<input type="checkbox" name="rights"[^>]*>', body)
    assert len(boxes) == DESCRIBED == 71
    assert len([box for box in boxes if "checked" in box]) == len(ROLE_PERMISSIONS[Role.COORDINATOR])
    legends = re.findall(r"<legend>([^<]+)</legend>", body)
    assert legends[:7] == [
        "Tasks",
        "Care plans",
        "Dashboards",
        "Chronic care management",
        "Notifications",
        "Imports",
        "Audit",
    ]
    assert all(legend.startswith("Admin") for legend in legends[7:])
    assert "Hand their own tasks to a teammate, with a reason" in body
    assert "Can add" not in body and 'name="permissions"' not in body
    assert "Change role" in body


def test_saving_a_role_sets_its_rights_and_keeps_any_other_permission(client, admin):
    front_desk = Group.objects.get(name=Role.FRONT_DESK)
    operator_extra = Permission.objects.get(content_type__app_label="careplans", codename="delete_patient")
    front_desk.permissions.add(operator_extra)
    client.force_login(admin)
    page = client.get(_url(front_desk)).content.decode()
    data = form_values(page)
    reopen = Permission.objects.get(content_type__app_label="tasks", codename="reopen_task")
    data["rights"] = [*data["rights"], str(reopen.pk)]

    response = client.post(_url(front_desk), data)

    assert response.status_code == 302
    assert _codes(front_desk) == {
        *ROLE_PERMISSIONS[Role.FRONT_DESK],
        "tasks.reopen_task",
        "careplans.delete_patient",
    }
    assert "Other permissions (kept)" in page


def test_a_new_role_with_two_rights(client, admin):
    client.force_login(admin)
    rights = Permission.objects.filter(
        content_type__app_label="tasks", codename__in=["view_task", "work_task"]
    )

    response = client.post(
        reverse("admin:auth_group_add"), {"name": "Care Navigator", "rights": [str(p.pk) for p in rights]}
    )

    assert response.status_code == 302
    assert _codes(Group.objects.get(name="Care Navigator")) == {"tasks.view_task", "tasks.work_task"}


def test_the_role_list_counts_people_and_rights(client, admin, coordinator, colleague):
    client.force_login(admin)

    body = client.get(reverse("admin:auth_group_changelist")).content.decode()

    row = re.search(r"Care Coordinator</a></th>(.*?)</tr>", body, re.S).group(1)
    assert re.findall(r'<td class="field-\w+">(\d+)</td>', row) == [
        "2",
        str(len(ROLE_PERMISSIONS[Role.COORDINATOR])),
    ]


def test_the_admin_role_edits_escalation_policies(client, admin):
    client.force_login(admin)

    assert client.get(reverse("admin:notifications_escalationpolicy_changelist")).status_code == 200
    assert client.get(reverse("admin:notifications_escalationpolicy_add")).status_code == 200
