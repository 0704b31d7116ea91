import pytest
from django.contrib import admin
from django.urls import reverse

from careplans.admin import TemplateTaskInline
from careplans.models import CarePlanTemplate, DueAnchor
from tests.factories import TemplateTaskFactory
from tests.helpers import inline_code


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


RULES = [
    ({"due_offset_days": 0}, "on plan start"),
    ({"due_offset_days": 1}, "1 day after plan start"),
    ({"due_offset_days": 14}, "14 days after plan start"),
    (
        {"due_offset_days": -2, "due_anchor": DueAnchor.NEXT_APPOINTMENT},
        "2 days before the next appointment (plan start if none is booked)",
    ),
    (
        {"due_offset_days": 30, "recurrence_days": 30},
        "30 days after plan start, then every 30 days until the plan ends",
    ),
    (
        {"due_offset_days": 7, "recurrence_days": 1, "recurrence_count": 5},
        "7 days after plan start, then every day, 5 times in all",
    ),
]


@pytest.mark.parametrize(("fields", "words"), RULES, ids=[words for _f, words in RULES])
def test_a_template_task_due_rule_reads_in_words(fields, words):
    step = TemplateTaskFactory(**fields)

    assert TemplateTaskInline(CarePlanTemplate, admin.site).due_rule_display(step) == words


def test_the_template_page_shows_each_steps_rule_and_fits_its_rows(client, admin):
    step = TemplateTaskFactory(title="Welcome call", due_offset_days=2)
    TemplateTaskFactory(
        template=step.template, title="Monthly check-in", due_offset_days=30, recurrence_days=30
    )
    client.force_login(admin)

    body = client.get(
        reverse("admin:careplans_careplantemplate_change", args=[step.template_id])
    ).content.decode()

    assert "2 days after plan start" in body
    assert "30 days after plan start, then every 30 days until the plan ends" in body
    assert "Shown in words once saved." in body  # the blank row for a new step
    assert "css/admin.css" in body
    assert inline_code(body) == []


def test_a_front_desk_step_must_be_scheduling_or_a_call(db):
    from django.contrib.auth.models import Group
    from django.core.exceptions import ValidationError

    from accounts.roles import Role
    from careplans.models import TemplateTask
    from tasks.choices import TaskKind
    from tests.factories import CarePlanTemplateFactory

    template = CarePlanTemplateFactory()
    step = TemplateTask(
        template=template,
        title="Schedule screening",
        kind=TaskKind.SCREENING,
        assignee_group=Group.objects.get(name=Role.FRONT_DESK),
    )
    with pytest.raises(ValidationError) as refused:
        step.clean()
    assert "works scheduling and outreach calls only" in str(refused.value)
    step.kind = TaskKind.SCHEDULING
    step.clean()
