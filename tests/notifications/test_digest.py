import datetime
from unittest import mock

import pytest
from django.core import mail

from notifications import actions, jobs
from notifications.models import DEFAULT_DIGEST_HOUR, Delivery, Kind, Notification, NotificationPreference
from tasks.choices import Status
from tasks.models import Task
from tests.factories import TaskFactory
from tests.notifications.conftest import local


def _day(today, n: int) -> datetime.date:
    return today + datetime.timedelta(days=n)


@pytest.fixture
def busy(patient, coordinator, today):
    """The coordinator (no preference row: the default digest at 7:00) has work to hear of."""
    TaskFactory(patient=patient, owner=coordinator, due_on=_day(today, -1))
    TaskFactory(patient=patient, owner=coordinator, due_on=_day(today, -2))
    TaskFactory(patient=patient, owner=coordinator, due_on=today)
    TaskFactory(patient=patient, owner=coordinator, due_on=_day(today, 3), status=Status.IN_PROGRESS)
    return coordinator


def _digests():
    return list(
        Notification.objects.filter(kind=Kind.DIGEST)
        .order_by("day")
        .values_list("recipient__username", "day")
    )


def test_one_digest_a_day_at_the_default_hour(busy, today):
    assert actions.claim_digests(now=local(today, DEFAULT_DIGEST_HOUR - 1, 59)) == []

    assert len(actions.claim_digests(now=local(today, DEFAULT_DIGEST_HOUR))) == 1
    assert actions.claim_digests(now=local(today, DEFAULT_DIGEST_HOUR, 30)) == []
    assert actions.claim_digests(now=local(today, 18)) == []
    assert len(actions.claim_digests(now=local(_day(today, 1), DEFAULT_DIGEST_HOUR))) == 1

    assert _digests() == [("coordinator", today), ("coordinator", _day(today, 1))]


def test_digest_goes_out_at_the_users_hour_or_the_first_run_after_it(busy, today):
    NotificationPreference.objects.create(user=busy, delivery=Delivery.DIGEST, digest_hour=15)

    assert actions.claim_digests(now=local(today, 14)) == []
    assert len(actions.claim_digests(now=local(today, 16))) == 1  # beat missed 15:00


@pytest.mark.parametrize("delivery", [Delivery.IMMEDIATE, Delivery.OFF])
def test_no_digest_for_users_who_chose_otherwise(busy, today, delivery):
    NotificationPreference.objects.create(user=busy, delivery=delivery)

    assert actions.claim_digests(now=local(today, 23)) == []


def test_no_digest_when_there_is_nothing_to_report(coordinator, manager, today):
    assert actions.claim_digests(now=local(today, 23)) == []


def test_digest_email_has_counts_and_links(
    eager_celery, busy, manager, today, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://followthrough.example.org/"
    Task.objects.filter(owner=busy, due_on=_day(today, -2)).update(escalation_level=1)
    with (
        mock.patch("django.utils.timezone.now", return_value=local(today, 7, 1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert jobs.send_digests() == 2  # the coordinator, and the manager (an escalation)

    by_recipient = {email.to[0]: email for email in mail.outbox}
    mine = by_recipient[busy.email]
    assert mine.subject == "Followthrough: Your daily Followthrough digest"
    for line in ("Overdue: 2", "Due today: 1", "Waits ended: 0", "Due in the next 7 days: 1", "My work"):
        assert line in mine.body
    assert "My work (sign-in required): https://followthrough.example.org/work/" in mine.body
    assert "Teams you manage" not in mine.body
    theirs = by_recipient[manager.email]
    assert "Escalated and still open: 1" in theirs.body
    assert Notification.objects.filter(kind=Kind.DIGEST, emailed_at__isnull=False).count() == 2


def test_digest_rows_stay_out_of_the_inbox(busy, today):
    actions.claim_digests(now=local(today, 8))

    assert not Notification.objects.for_inbox(busy).exists()
    assert not Notification.objects.unread_for(busy).exists()


def test_the_digest_counts_unread_handoffs(
    eager_celery, task, manager, colleague, today, django_capture_on_commit_callbacks
):
    from tasks import actions as task_actions

    task_actions.reassign_task(task, by=manager, to=colleague, reason="Covering")
    with (
        mock.patch("django.utils.timezone.now", return_value=local(today, 7, 1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        jobs.send_digests()

    theirs = next(email for email in mail.outbox if email.to == [colleague.email])
    assert "Handed to you (reassigned to you, reopened for you, your step is next): 1 unread" in theirs.body
    assert "Covering" not in theirs.body
