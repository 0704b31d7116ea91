import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from notifications import actions, jobs
from notifications.models import Delivery, Kind, Notification, NotificationPreference
from tests.factories import TaskFactory
from tests.notifications.backends import FlakyBackend

FLAKY = "tests.notifications.backends.FlakyBackend"


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = FLAKY
    FlakyBackend.failures, FlakyBackend.attempts = 0, 0
    return FlakyBackend


@pytest.fixture
def wants_email(coordinator):
    NotificationPreference.objects.create(user=coordinator, delivery=Delivery.IMMEDIATE)
    return coordinator


@pytest.fixture
def overdue(patient, coordinator, today):
    return TaskFactory(patient=patient, owner=coordinator, due_on=today - datetime.timedelta(days=1))


class Rollback(Exception):
    pass


def test_immediate_preference_gets_one_email_per_notice(
    eager_celery, wants_email, overdue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep_overdue() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep_overdue() == 0

    (email,) = mail.outbox
    assert email.to == [wants_email.email]
    assert email.subject == "Followthrough: A task you own is overdue"
    assert f"/tasks/{overdue.pk}/" in email.body
    notice = Notification.objects.get()
    assert notice.send_email and notice.emailed_at is not None


def test_digest_and_off_preferences_get_no_email_per_notice(
    eager_celery, patient, coordinator, colleague, today, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=colleague, delivery=Delivery.OFF)
    for owner in (coordinator, colleague):  # the coordinator has no preference row: digest
        TaskFactory(patient=patient, owner=owner, due_on=today - datetime.timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep_overdue() == 2

    assert mail.outbox == []
    assert not Notification.objects.filter(send_email=True).exists()


def test_smtp_failure_is_retried_and_the_email_sent_exactly_once(eager_celery, flaky, wants_email, overdue):
    (notice_id, send), *_ = actions.notify_overdue(today=timezone.localdate())
    assert send
    flaky.failures = 2

    jobs.send_notification_email.apply(args=[notice_id])
    jobs.send_notification_email.apply(args=[notice_id])  # a duplicate message, or the relay

    assert flaky.attempts == 3
    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=notice_id).emailed_at is not None


def test_email_that_keeps_failing_stays_unsent_for_the_relay(eager_celery, flaky, wants_email, overdue):
    (notice_id, _), *_ = actions.notify_overdue(today=timezone.localdate())
    flaky.failures = 100

    result = jobs.send_notification_email.apply(args=[notice_id])

    assert result.failed()
    assert flaky.attempts == jobs.send_notification_email.max_retries + 1
    assert mail.outbox == []
    assert Notification.objects.get(pk=notice_id).emailed_at is None
    later = timezone.now() + actions.RELAY_AFTER
    assert actions.unsent_emails(now=later) == [notice_id]
    assert actions.unsent_emails(now=later + actions.RELAY_WITHIN) == []  # stale news: dropped


def test_relay_sends_an_email_whose_message_was_lost_and_only_once(eager_celery, wants_email, overdue):
    (notice_id, _), *_ = actions.notify_overdue(today=timezone.localdate())  # queued nothing
    Notification.objects.filter(pk=notice_id).update(created_at=timezone.now() - actions.RELAY_AFTER)

    assert jobs.relay_unsent_emails() == 1
    assert jobs.relay_unsent_emails() == 0

    assert len(mail.outbox) == 1


def test_jobs_queued_in_a_transaction_that_rolls_back_never_run(
    eager_celery, wants_email, overdue, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        assert jobs.sweep_overdue() == 1
        raise Rollback

    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_no_email_to_a_recipient_who_left_or_has_no_address(eager_celery, wants_email, overdue):
    (notice_id, _), *_ = actions.notify_overdue(today=timezone.localdate())
    wants_email.email = ""
    wants_email.save()

    assert jobs.send_notification_email.apply(args=[notice_id]).get() is False

    assert mail.outbox == []
    assert Notification.objects.get(pk=notice_id).send_email is False  # the relay stops asking


def test_inactive_users_are_not_emailed_at_all(wants_email, overdue, today):
    wants_email.is_active = False
    wants_email.save()

    actions.notify_overdue(today=today)

    assert Notification.objects.get(kind=Kind.OVERDUE).send_email is False


def test_an_email_whose_send_was_cut_off_is_never_sent_again(eager_celery, wants_email, overdue, caplog):
    """A worker killed between the SMTP send and the stamp: the email may have gone, so neither
    a redelivered message nor the relay sends it again (tests/faults does it with a real kill)."""
    (notice_id, _), *_ = actions.notify_overdue(today=timezone.localdate())
    long_ago = timezone.now() - actions.RELAY_AFTER
    Notification.objects.filter(pk=notice_id).update(created_at=long_ago, email_started_at=long_ago)

    assert actions.deliver_email(notice_id) is False
    assert jobs.relay_unsent_emails() == 0
    assert mail.outbox == []
    assert "1 notice email(s) were cut off mid-send" in caplog.text


def test_an_smtp_error_lifts_the_claim_so_the_retry_can_send(flaky, wants_email, overdue):
    (notice_id, _), *_ = actions.notify_overdue(today=timezone.localdate())
    flaky.failures = 1

    with pytest.raises(OSError):
        actions.deliver_email(notice_id)
    assert Notification.objects.get(pk=notice_id).email_started_at is None
    assert actions.deliver_email(notice_id) is True
    assert len(mail.outbox) == 1
