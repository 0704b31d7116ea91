"""Transferring a patient to another team (tasks.transfer): the patient, every task and every
timeline row move together, open tasks get owners in the new team by role, and the old team
loses sight of them; then the transfer page, its link on the patient page, and the Django admin's
way to it (the patient's team is read-only there). North (`team`) is the old team, South
(`other_team`) the new one."""

from collections import Counter
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from accounts.models import User
from accounts.roles import Role
from careplans.models import Patient
from tasks.actions import NotAllowed, RuleViolation, complete_task, reassign_task, reopen_task
from tasks.choices import ActivityKind, Status, TaskKind
from tasks.models import Activity, Task
from tasks.transfer import TransferConflict, preview_transfer, transfer_patient
from tests.factories import CareTeamFactory, PatientFactory, TaskFactory, member
from tests.helpers import activity_mark, task_state
from tests.tasks.conftest import REASON


def patient_state(patient: Patient) -> tuple:
    """Everything a refused transfer must leave alone: the patient row and its history, each of
    their tasks (row, timeline, history) and the team of every timeline row."""
    return (
        Patient.objects.values().get(pk=patient.pk),
        list(Patient.history.filter(id=patient.pk).values_list("history_id", flat=True)),
        [task_state(task) for task in Task.objects.filter(patient=patient).order_by("pk")],
        list(Activity.objects.filter(patient=patient).order_by("pk").values_list("pk", "care_team_id")),
    )


@contextmanager
def patient_unchanged(patient: Patient):
    before = patient_state(patient)
    yield
    assert patient_state(patient) == before


def fresh(user: User) -> User:
    """The user as a new request loads them: no cached rights."""
    return User.objects.get(pk=user.pk)


# ---- the move -----------------------------------------------------------------------------


def test_the_patient_every_task_and_every_timeline_row_move_to_the_new_team(
    patient, coordinator, provider, both_manager, team, other_team, outsider, south_provider
):
    call = TaskFactory(patient=patient, owner=coordinator)
    lab = TaskFactory(patient=patient, owner=provider, kind=TaskKind.LAB, status=Status.IN_PROGRESS)
    done = TaskFactory(patient=patient, owner=coordinator, status=Status.COMPLETED)
    elsewhere = TaskFactory(patient=PatientFactory(care_team=team), owner=coordinator)

    result = transfer_patient(patient, by=both_manager, to_team=other_team, reason=REASON)

    patient.refresh_from_db()
    assert patient.care_team == other_team
    assert (result.from_team, result.tasks_moved, result.reassigned) == (team, 3, 2)
    assert set(Task.objects.filter(patient=patient).values_list("care_team", flat=True)) == {other_team.pk}
    assert set(Activity.objects.filter(patient=patient).values_list("care_team", flat=True)) == {
        other_team.pk
    }
    elsewhere.refresh_from_db()
    assert (elsewhere.care_team, elsewhere.version) == (team, 1)
    assert set(Activity.objects.filter(task=elsewhere).values_list("care_team", flat=True)) == {team.pk}
    for task in (call, lab, done):
        task.refresh_from_db()
    # Open tasks: a new owner in South by role; closed ones keep theirs. Every version rises.
    assert (call.owner, lab.owner, done.owner) == (outsider, south_provider, coordinator)
    assert (call.version, lab.version, done.version) == (2, 3, 3)


def test_each_change_of_owner_is_a_reassignment_and_every_task_has_a_history_row(
    patient, coordinator, both_manager, other_team, outsider
):
    call = TaskFactory(patient=patient, owner=coordinator)
    done = TaskFactory(patient=patient, owner=coordinator, status=Status.COMPLETED)
    mark = activity_mark()

    transfer_patient(patient, by=both_manager, to_team=other_team, reason=REASON)

    (moved,) = Activity.objects.filter(pk__gt=mark)
    assert (moved.task_id, moved.kind, moved.actor) == (call.pk, ActivityKind.REASSIGNMENT, both_manager)
    assert (moved.from_owner, moved.to_owner, moved.care_team) == (coordinator, outsider, other_team)
    assert moved.body == f"Transferred to {other_team}: {REASON}"
    for task, owner in ((call, outsider), (done, coordinator)):
        history = Task.history.filter(id=task.pk).latest()
        assert (history.history_user, history.history_type) == (both_manager, "~")
        assert history.history_change_reason == f"Transferred to {other_team}: {REASON}"
        assert (history.care_team_id, history.owner_id) == (other_team.pk, owner.pk)
    record = Patient.history.filter(id=patient.pk).latest()
    assert (record.history_user, record.care_team_id) == (both_manager, other_team.pk)
    assert record.history_change_reason == f"Transfer: {REASON}"


def test_each_new_owner_hears_the_task_was_handed_to_them(
    patient, coordinator, both_manager, other_team, outsider
):
    from notifications.models import Kind, Notification

    calls = [TaskFactory(patient=patient, owner=coordinator) for _ in range(3)]
    TaskFactory(patient=patient, owner=coordinator, status=Status.COMPLETED)  # closed: no owner change

    transfer_patient(patient, by=both_manager, to_team=other_team, reason=REASON)

    notices = Notification.objects.filter(kind=Kind.REASSIGNED).select_related("activity")
    assert sorted((n.recipient, n.task_id) for n in notices) == [(outsider, c.pk) for c in calls]
    assert {(n.activity.actor, n.activity.body) for n in notices} == {
        (both_manager, f"Transferred to {other_team}: {REASON}")
    }


def test_open_tasks_go_to_the_old_owners_role_in_the_new_team_least_open_work_first(
    patient,
    other_patient,
    coordinator,
    provider,
    medical_assistant,
    both_manager,
    other_team,
    outsider,
    south_coordinator,
    south_provider,
):
    """South has two coordinators (the outsider idle, the other with one open task), a provider and
    no medical assistant; the manager of both teams works in South too."""
    TaskFactory(patient=other_patient, owner=south_coordinator)
    calls = [TaskFactory(patient=patient, owner=coordinator) for _ in range(3)]
    lab = TaskFactory(patient=patient, owner=provider, kind=TaskKind.LAB)
    vitals = TaskFactory(patient=patient, owner=medical_assistant)
    kept = TaskFactory(patient=patient, owner=both_manager)

    rows = {row.task.pk: row for row in preview_transfer(patient, to_team=other_team).rows}

    # The work spreads: after two calls the outsider has as much as the other coordinator had.
    assert Counter(rows[task.pk].proposed for task in calls) == {outsider: 2, south_coordinator: 1}
    assert rows[lab.pk].proposed == south_provider
    assert rows[vitals.pk].proposed is None
    assert "Medical Assistant" in rows[vitals.pk].note
    assert rows[kept.pk].proposed == both_manager

    with patient_unchanged(patient), pytest.raises(RuleViolation) as refused:
        transfer_patient(patient, by=both_manager, to_team=other_team, reason=REASON)
    assert refused.value.rule == "task-needs-owner"

    transfer_patient(
        patient, by=both_manager, to_team=other_team, reason=REASON, owners={vitals.pk: south_coordinator}
    )
    vitals.refresh_from_db()
    kept.refresh_from_db()
    assert (vitals.owner, kept.owner, kept.version) == (south_coordinator, both_manager, 2)
    assert not kept.activities.filter(kind=ActivityKind.REASSIGNMENT).exists()


def test_the_new_teams_manager_reassigns_and_reopens_moved_tasks_and_counts_them(
    client,
    patient,
    coordinator,
    manager,
    both_manager,
    other_team,
    other_manager,
    south_coordinator,
    outsider,
):
    call = TaskFactory(patient=patient, owner=coordinator)
    done = TaskFactory(patient=patient, owner=coordinator, status=Status.COMPLETED)
    north_before, south_before = open_count(client, manager), open_count(client, other_manager)

    transfer_patient(patient, by=both_manager, to_team=other_team, reason=REASON, owners={call.pk: outsider})

    assert (open_count(client, manager), open_count(client, other_manager)) == (
        north_before - 1,
        south_before + 1,
    )
    call.refresh_from_db()
    done.refresh_from_db()
    reassign_task(call, by=other_manager, to=south_coordinator, reason="Closer to her patients")
    reopened = reopen_task(done, by=other_manager, reason="The visit fell through")
    assert reopened.status == Status.IN_PROGRESS
    # The closed task kept its North owner, who cannot own South's work: the manager reassigns it.
    reassign_task(reopened, by=other_manager, to=outsider, reason="Owner left with the old team")
    assert open_count(client, other_manager) == south_before + 2


def open_count(client, user) -> int:
    client.force_login(user)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    return next(tile.figure.value for tile in response.context["board"].tiles if tile.key == "open")


def test_the_old_team_loses_sight_of_the_patient(
    client, patient, coordinator, both_manager, other_team, outsider
):
    task = TaskFactory(patient=patient, owner=coordinator)

    transfer_patient(patient, by=both_manager, to_team=other_team, reason=REASON)

    client.force_login(coordinator)
    assert client.get(f"/patients/{patient.pk}/").status_code == 404
    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    client.force_login(outsider)
    assert client.get(f"/patients/{patient.pk}/").status_code == 200
    assert client.get(f"/tasks/{task.pk}/").status_code == 200


def test_an_admin_holding_the_right_to_change_patients_transfers(patient, coordinator, superuser, other_team):
    TaskFactory(patient=patient, owner=coordinator)
    member(Role.COORDINATOR, other_team)

    transfer_patient(patient, by=superuser, to_team=other_team, reason=REASON)

    patient.refresh_from_db()
    assert patient.care_team == other_team


# ---- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["manager", "other_manager", "coordinator", "provider", "admin"])
def test_only_an_admin_or_a_manager_of_both_teams_transfers(request, patient, coordinator, other_team, actor):
    TaskFactory(patient=patient, owner=coordinator)
    member(Role.COORDINATOR, other_team)
    user = request.getfixturevalue(actor)

    with patient_unchanged(patient), pytest.raises(NotAllowed):
        transfer_patient(patient, by=user, to_team=other_team, reason=REASON)


def test_the_team_must_be_another_one(patient, coordinator, both_manager, team):
    TaskFactory(patient=patient, owner=coordinator)

    with patient_unchanged(patient), pytest.raises(RuleViolation) as refused:
        transfer_patient(patient, by=both_manager, to_team=team, reason=REASON)
    assert refused.value.rule == "transfer-to-another-team"


def test_a_new_owner_must_be_in_the_new_team(
    patient, coordinator, colleague, both_manager, other_team, outsider
):
    task = TaskFactory(patient=patient, owner=coordinator)

    with patient_unchanged(patient), pytest.raises(RuleViolation) as refused:
        transfer_patient(
            patient, by=both_manager, to_team=other_team, reason=REASON, owners={task.pk: colleague}
        )
    assert refused.value.rule == "owner-in-care-team"


@pytest.mark.parametrize(
    ("reason", "closed_owner", "rule"),
    [(" ", False, "transfer-needs-reason"), (REASON, True, "transfer-open-tasks")],
)
def test_a_transfer_needs_a_reason_and_owners_only_for_open_tasks(
    patient, coordinator, both_manager, other_team, outsider, reason, closed_owner, rule
):
    done = TaskFactory(patient=patient, owner=coordinator, status=Status.COMPLETED)
    owners = {done.pk: outsider} if closed_owner else None

    with patient_unchanged(patient), pytest.raises(RuleViolation) as refused:
        transfer_patient(patient, by=both_manager, to_team=other_team, reason=reason, owners=owners)
    assert refused.value.rule == rule


@pytest.mark.parametrize("change", ["reassigned", "completed", "new task", "moved"])
def test_a_preview_made_before_a_change_is_a_conflict(
    patient, coordinator, colleague, both_manager, other_team, outsider, change
):
    task = TaskFactory(patient=patient, owner=coordinator)
    version = preview_transfer(patient, to_team=other_team).version
    if change == "reassigned":
        reassign_task(task, by=coordinator, to=colleague, reason="Covering")
    elif change == "completed":
        complete_task(task, by=coordinator, outcome="Booked")
    elif change == "new task":
        TaskFactory(patient=patient, owner=colleague)
    else:  # another manager of both teams moved the patient to a third team first
        third = CareTeamFactory(name="East team")
        assign_perm("accounts.manage_careteam", both_manager, third)
        member(Role.COORDINATOR, third)
        transfer_patient(patient, by=fresh(both_manager), to_team=third, reason="East first")

    with patient_unchanged(patient), pytest.raises(TransferConflict) as conflict:
        transfer_patient(
            patient, by=fresh(both_manager), to_team=other_team, reason=REASON, expected_version=version
        )
    assert conflict.value.rule == "version-conflict"


def test_an_unchanged_preview_is_no_conflict(patient, coordinator, both_manager, other_team, outsider):
    TaskFactory(patient=patient, owner=coordinator)
    version = preview_transfer(patient, to_team=other_team).version

    transfer_patient(patient, by=both_manager, to_team=other_team, reason=REASON, expected_version=version)

    patient.refresh_from_db()
    assert patient.care_team == other_team


# ---- cost ---------------------------------------------------------------------------------


def test_the_transfer_costs_the_same_queries_for_2_tasks_and_for_20(
    team,
    coordinator,
    colleague,
    provider,
    both_manager,
    other_team,
    outsider,
    south_coordinator,
    south_provider,
):
    def queries(n: int) -> int:
        patient = PatientFactory(care_team=team)
        owners = [coordinator, colleague, provider]
        for i in range(n):
            TaskFactory(
                patient=patient, owner=owners[i % 3], status=Status.COMPLETED if i % 4 == 3 else Status.NEW
            )
        by = fresh(both_manager)
        with CaptureQueriesContext(connection) as captured:
            result = transfer_patient(patient, by=by, to_team=other_team, reason=REASON)
        assert result.tasks_moved == n
        return len(captured.captured_queries)

    assert queries(2) == queries(20)
