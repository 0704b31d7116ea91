"""Owner lists follow rule owner-works-this-kind (tasks.rights.can_own_kind): front desk owns
scheduling and outreach calls only, so no list offers them a clinical task. The reassign panel,
the intake preview and the transfer offer only who may own the task's kind; the new-task form
and the queue's bulk reassign (whose kinds are chosen later) group the owners by what they may
own, and a clinical kind given to front desk is a field error that creates nothing."""

import re

from django.urls import reverse

from tasks.choices import TaskKind
from tasks.forms import TransferOwnerForm
from tasks.intake import team_members
from tests.factories import CarePlanTemplateFactory, TaskFactory, TemplateTaskFactory, in_days
from tests.helpers import creates_nothing


def _options(body: str, name: str) -> dict[str, str]:
    """{value: text} of the named select's options."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', body, re.S)
    assert select, name
    return dict(re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select.group(1)))


def _group(body: str, name: str, label: str) -> dict[str, str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', body, re.S).group(1)
    group = re.search(rf'<optgroup label="{label}">(.*?)</optgroup>', select, re.S)
    assert group, label
    return dict(re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', group.group(1)))


def test_the_reassign_panel_offers_a_lab_to_those_who_work_clinical_tasks_only(
    client, manager, coordinator, colleague, front_desk, patient
):
    lab = TaskFactory(patient=patient, owner=coordinator, kind=TaskKind.LAB)
    call = TaskFactory(patient=patient, owner=coordinator, kind=TaskKind.OUTREACH_CALL)
    client.force_login(manager)

    for_lab = _options(client.get(lab.get_absolute_url()).text, "reassign-to")
    for_call = _options(client.get(call.get_absolute_url()).text, "reassign-to")

    assert str(front_desk.pk) not in for_lab and str(colleague.pk) in for_lab
    assert str(front_desk.pk) in for_call


def test_the_queues_bulk_reassign_groups_front_desk_under_calls_only(
    client, manager, colleague, front_desk, task
):
    client.force_login(manager)

    body = client.get(reverse("team_queue")).text

    assert str(front_desk.pk) in _group(body, "to", "Scheduling and outreach calls only")
    assert str(colleague.pk) in _group(body, "to", "Any task")


def test_a_new_task_groups_owners_and_refuses_a_lab_for_front_desk(client, coordinator, front_desk, patient):
    client.force_login(coordinator)
    url = reverse("task_create", args=[patient.pk])

    body = client.get(url).text
    with creates_nothing():
        response = client.post(
            url,
            {
                "title": "Draw A1c",
                "kind": TaskKind.LAB,
                "owner": front_desk.pk,
                "due_on": in_days(3).isoformat(),
                "priority": 2,
            },
        )

    assert str(front_desk.pk) in _group(body, "owner", "Scheduling and outreach calls only")
    assert response.status_code == 400
    assert "works scheduling and outreach calls only" in response.text
    assert "owner" in response.context["form"].errors


def test_the_intake_preview_offers_a_clinical_step_to_those_who_may_own_it(
    client, coordinator, front_desk, patient
):
    template = CarePlanTemplateFactory()
    lab = TemplateTaskFactory(template=template, kind=TaskKind.LAB, position=1)
    call = TemplateTaskFactory(template=template, kind=TaskKind.SCHEDULING, position=2)
    client.force_login(coordinator)
    url = reverse("care_plan_intake", args=[patient.pk])
    picked = {"template": template.pk, "starts_on": in_days(0).isoformat(), "ends_on": ""}

    body = client.get(url, picked).text

    assert str(front_desk.pk) not in _options(body, f"t{lab.pk}-owner")
    assert str(coordinator.pk) in _options(body, f"t{lab.pk}-owner")
    assert str(front_desk.pk) in _options(body, f"t{call.pk}-owner")


def test_a_clinical_step_of_the_front_desk_role_proposes_no_owner(coordinator, front_desk, patient):
    from django.contrib.auth.models import Group

    from accounts.roles import Role
    from tasks.intake import preview

    step = TemplateTaskFactory(kind=TaskKind.LAB, assignee_group=Group.objects.get(name=Role.FRONT_DESK))

    (row,) = preview(patient=patient, template=step.template, starts_on=in_days(0))

    assert row.owner is None
    assert row.notes == ["Front Desk works scheduling and outreach calls only: choose an owner."]


def test_the_transfer_offers_a_lab_to_those_who_may_own_it(team, coordinator, front_desk):
    members = team_members(team.pk)

    lab = dict(TransferOwnerForm(members=members, kind=TaskKind.LAB).fields["owner"].choices)
    call = dict(TransferOwnerForm(members=members, kind=TaskKind.OUTREACH_CALL).fields["owner"].choices)
    refused = TransferOwnerForm({"owner": front_desk.pk}, members=members, kind=TaskKind.LAB)

    assert front_desk.pk not in lab and coordinator.pk in lab
    assert front_desk.pk in call
    assert not refused.is_valid()
