"""Handoffs that speak: reassigned to you, reopened for you, your step is next. Nobody hears of
their own action; a refused action tells nobody; a notice says who handed the task over and why."""

import pytest
from django.core import mail

from notifications.models import HANDOFF_KINDS, Delivery, Kind, Notification, NotificationPreference
from tasks import actions
from tasks.choices import ActivityKind, Status
from tests.factories import TaskFactory, drive_to
from tests.notifications.conftest import keys


def handoffs():
    return [(who, task_id, kind) for who, task_id, kind, *_ in keys() if kind in HANDOFF_KINDS]


def test_the_new_owner_hears_who_reassigned_the_task_and_why(task, manager, colleague, today):
    actions.reassign_task(task, by=manager, to=colleague, reason="Covering Maria's calls this week")

    notice = Notification.objects.get(kind=Kind.REASSIGNED)
    assert (notice.recipient, notice.task_id, notice.day, notice.read_at) == (colleague, task.pk, today, None)
    assert notice.activity.kind == ActivityKind.REASSIGNMENT
    assert (notice.activity.actor, notice.activity.body) == (manager, "Covering Maria's calls this week")


def test_nobody_hears_of_their_own_reassignment_or_completion(task, coordinator, colleague):
    """A coordinator handing their own task to a colleague: the colleague hears; the coordinator
    completing a step of their own that their own next step waits for hears nothing."""
    nxt = TaskFactory(patient=task.patient, owner=coordinator, depends_on=task)
    actions.complete_task(task, by=coordinator, outcome="Done")
    assert handoffs() == []

    actions.reassign_task(nxt, by=coordinator, to=colleague, reason="Out Friday")
    assert handoffs() == [("colleague", nxt.pk, Kind.REASSIGNED)]


def test_the_owner_hears_when_a_manager_reopens_their_task(task, coordinator, manager):
    task = drive_to(task, Status.COMPLETED, by=coordinator)

    actions.reopen_task(task, by=manager, reason="The lab result never arrived")

    assert handoffs() == [("coordinator", task.pk, Kind.REOPENED)]
    assert Notification.objects.get(kind=Kind.REOPENED).activity.body == "The lab result never arrived"


def test_owners_of_the_open_steps_waiting_hear_their_step_is_next(task, coordinator, colleague, provider):
    waiting = TaskFactory(patient=task.patient, owner=colleague, depends_on=task)
    TaskFactory(patient=task.patient, owner=provider, depends_on=task, status=Status.CANCELLED)
    TaskFactory(patient=task.patient, owner=provider)  # waits for nothing

    actions.complete_task(task, by=coordinator, outcome="Reconciled")

    assert handoffs() == [("colleague", waiting.pk, Kind.STEP_NEXT)]


def test_cancelling_the_earlier_step_is_not_a_handoff(task, coordinator, colleague):
    TaskFactory(patient=task.patient, owner=colleague, depends_on=task)

    actions.cancel_task(task, by=coordinator, reason="Duplicate")

    assert handoffs() == []


def test_a_refused_reassignment_tells_nobody(task, coordinator, outsider):
    with pytest.raises(actions.RuleViolation):
        actions.reassign_task(task, by=coordinator, to=outsider, reason="Wrong team")

    assert Notification.objects.count() == 0


def test_the_same_handoff_twice_a_day_is_one_notice(task, manager, coordinator, colleague):
    actions.reassign_task(task, by=manager, to=colleague, reason="Covering")
    task.refresh_from_db()
    actions.reassign_task(task, by=manager, to=coordinator, reason="Back")
    task.refresh_from_db()
    actions.reassign_task(task, by=manager, to=colleague, reason="Covering after all")

    assert handoffs() == [("colleague", task.pk, Kind.REASSIGNED), ("coordinator", task.pk, Kind.REASSIGNED)]


@pytest.mark.django_db(transaction=True)
def test_an_immediate_email_names_no_patient(seeded, eager_celery, settings):
    from accounts.roles import Role
    from tests.factories import CareTeamFactory, PatientFactory, member

    team = CareTeamFactory()
    manager = member(Role.MANAGER, team, username="mgr")
    colleague = member(Role.COORDINATOR, team, username="col", email="col@example.org")
    NotificationPreference.objects.create(user=colleague, delivery=Delivery.IMMEDIATE)
    patient = PatientFactory(care_team=team, first_name="Zebulon", last_name="Quartermain")
    task = TaskFactory(patient=patient, owner=manager, title="Quartermain A1c draw")

    actions.reassign_task(task, by=manager, to=colleague, reason="Zebulon prefers mornings")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["col@example.org"]
    assert message.subject == "Followthrough: A task was reassigned to you"
    assert f"{manager.get_full_name()} handed it to you" in message.body
    for secret in ("Zebulon", "Quartermain", "A1c", "mornings"):
        assert secret not in message.subject + message.body
    assert Notification.objects.get(kind=Kind.REASSIGNED).emailed_at is not None


def test_a_task_closed_leaves_its_notices_read_for_everyone(task, coordinator, manager, colleague):
    Notification.objects.create(recipient=coordinator, task=task, kind=Kind.OVERDUE, day=task.due_on)
    Notification.objects.create(recipient=manager, task=task, kind=Kind.ESCALATION, level=1, day=task.due_on)
    other = TaskFactory(patient=task.patient, owner=coordinator)
    Notification.objects.create(recipient=coordinator, task=other, kind=Kind.OVERDUE, day=other.due_on)

    actions.complete_task(task, by=coordinator, outcome="Reached")

    assert not Notification.objects.filter(task=task, read_at=None).exists()
    assert Notification.objects.filter(task=other, read_at=None).count() == 1
    assert Notification.objects.filter(task=task).count() == 2  # kept, read


def test_the_inbox_names_the_step_completed_before_yours(client, task, coordinator, colleague):
    from django.urls import reverse

    TaskFactory(patient=task.patient, owner=colleague, depends_on=task, title="Education visit")
    actions.complete_task(task, by=coordinator, outcome="Reconciled")
    client.force_login(colleague)

    page = client.get(reverse("inbox")).text

    assert f"by {coordinator.get_full_name()}, who completed “{task.title}”" in page
