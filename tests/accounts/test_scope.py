"""Model-level rights never widen object scope: only team rights and per-patient grants do."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.roles import Role
from careplans.models import Patient
from tasks.models import Task
from tests.factories import PatientFactory, TaskFactory, UserFactory


@pytest.fixture
def everything_group(db):
    group = Group.objects.create(name="Holds every permission")
    group.permissions.set(Permission.objects.all())
    return group


@pytest.fixture
def holds_every_permission(everything_group, other_team):
    return UserFactory(roles=[], works_in=other_team, groups=[everything_group])


@pytest.fixture
def holds_every_role(other_team):
    return UserFactory(roles=list(Role), works_in=other_team)


@pytest.fixture
def superuser_of_other_team(superuser, other_team):
    assign_perm("accounts.work_in_careteam", superuser, other_team)
    return superuser


WIDE_USERS = ["holds_every_permission", "holds_every_role", "superuser_of_other_team"]


@pytest.mark.parametrize("who", WIDE_USERS)
def test_every_model_permission_still_sees_only_own_teams_records(request, who, task, other_task):
    user = request.getfixturevalue(who)

    assert list(Patient.objects.visible_to(user)) == [other_task.patient]
    assert list(Task.objects.visible_to(user)) == [other_task]


@pytest.mark.parametrize("who", WIDE_USERS)
def test_every_model_permission_still_gets_404_for_another_teams_pages(
    request, client, who, task, other_task
):
    user = request.getfixturevalue(who)
    client.force_login(user)

    listing = client.get(reverse("patient_list"))
    assert listing.status_code == 200
    assert other_task.patient.mrn in listing.text
    assert task.patient.mrn not in listing.text
    assert list(client.get(reverse("patient_list"), {"q": task.patient.mrn}).context["page"]) == []
    assert client.get(reverse("patient_detail", args=[task.patient.pk])).status_code == 404
    assert client.get(reverse("task_detail", args=[task.pk])).status_code == 404
    assert client.post(reverse("task_action", args=[task.pk, "note"]), {"note-body": "hi"}).status_code == 404
    assert client.get(reverse("patient_detail", args=[other_task.patient.pk])).status_code == 200


def test_superuser_outside_every_team_sees_nothing(client, superuser, task):
    assert not Patient.objects.visible_to(superuser).exists()
    assert not Task.objects.visible_to(superuser).exists()
    client.force_login(superuser)
    assert client.get(reverse("patient_detail", args=[task.patient.pk])).status_code == 404


def test_team_right_held_through_a_group_gives_nothing(team, patient):
    # Groups carry roles, never scope: membership is one per-user row, so the patients a user
    # sees, the tasks they may own and the owner lists always agree.
    group = Group.objects.create(name="North float pool")
    assign_perm("accounts.work_in_careteam", group, team)
    user = UserFactory(roles=[Role.COORDINATOR], groups=[group])

    assert list(Patient.objects.visible_to(user)) == []


def test_restricted_patient_is_hidden_from_the_team_until_granted(client, team, coordinator):
    restricted = PatientFactory(care_team=team, is_restricted=True)
    client.force_login(coordinator)
    assert not Patient.objects.visible_to(coordinator).filter(pk=restricted.pk).exists()
    assert client.get(reverse("patient_detail", args=[restricted.pk])).status_code == 404

    assign_perm("careplans.view_patient", coordinator, restricted)

    assert client.get(reverse("patient_detail", args=[restricted.pk])).status_code == 200


def test_per_patient_grant_lets_a_consultant_from_another_team_see_that_patient_only(
    client, outsider, patient, task
):
    assign_perm("careplans.view_patient", outsider, patient)
    PatientFactory(care_team=patient.care_team)

    assert list(Patient.objects.visible_to(outsider).filter(care_team=patient.care_team)) == [patient]
    client.force_login(outsider)
    assert client.get(reverse("patient_detail", args=[patient.pk])).status_code == 200


def test_a_grant_of_another_right_on_the_patient_reveals_nothing(outsider, patient):
    assign_perm("careplans.change_patient", outsider, patient)

    assert not Patient.objects.visible_to(outsider).filter(pk=patient.pk).exists()


def test_deactivated_member_sees_nothing(coordinator, task):
    coordinator.is_active = False
    coordinator.save()

    assert not Patient.objects.visible_to(coordinator).exists()
    assert not Task.objects.visible_to(coordinator).exists()


def test_front_desk_sees_scheduling_work_and_own_tasks_only(patient, front_desk, coordinator):
    call = TaskFactory(patient=patient, owner=coordinator, kind="outreach_call")
    lab = TaskFactory(patient=patient, owner=coordinator, kind="lab")
    # A lab in front desk's hands (rows from before owners were held to their kinds of work).
    own_lab = TaskFactory(patient=patient, owner=coordinator, kind="lab")
    Task.objects.filter(pk=own_lab.pk).update(owner=front_desk)

    visible = set(Task.objects.visible_to(front_desk))

    assert call in visible
    assert own_lab in visible
    assert lab not in visible
