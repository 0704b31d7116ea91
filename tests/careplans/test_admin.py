from django.urls import reverse


def test_a_template_row_picks_its_role_from_a_list_and_cannot_edit_roles(client, superuser):
    client.force_login(superuser)

    body = client.get(reverse("admin:careplans_careplantemplate_add")).content.decode()

    assert 'name="tasks-0-assignee_group"' in body
    for link in (
        "add_id_tasks-0-assignee_group",
        "change_id_tasks-0-assignee_group",
        "delete_id_tasks-0-assignee_group",
    ):
        assert link not in body


def test_an_escalation_policy_picks_its_second_level_role_from_a_list(client, superuser):
    client.force_login(superuser)

    body = client.get(reverse("admin:notifications_escalationpolicy_add")).content.decode()

    assert 'name="second_level_group"' in body
    assert "add_id_second_level_group" not in body
