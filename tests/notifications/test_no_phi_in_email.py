"""Email leaves our systems: no patient name, MRN, phone, task title or note may be in one. A
marker is put in all of them, every kind of email is produced, and none may carry it."""

import datetime

import pytest
from django.core import mail

from accounts.roles import Role
from careplans.models import RiskLevel
from notifications import actions, jobs
from notifications.models import Delivery, Kind, Notification, NotificationPreference
from tasks import actions as task_actions
from tasks.choices import WaitingReason
from tests.factories import PatientFactory, TaskFactory, member
from tests.notifications.conftest import local

MARKER = "Zqxmarker"


def _day(today, n):
    return today + datetime.timedelta(days=n)


@pytest.fixture
def marked_practice(team, today):
    owner = member(Role.COORDINATOR, team, username="owner")
    manager = member(Role.MANAGER, team, username="lead")
    provider = member(Role.PROVIDER, team, username="doc")
    digest_reader = member(Role.COORDINATOR, team, username="reader")
    for user in (owner, manager, provider):
        NotificationPreference.objects.create(user=user, delivery=Delivery.IMMEDIATE)
    patient = PatientFactory(
        care_team=team,
        first_name=MARKER,
        last_name=f"{MARKER}son",
        mrn=f"MRN-{MARKER}",
        phone=f"555-{MARKER}",
        ehr_id=MARKER,
        risk_level=RiskLevel.HIGH,
    )

    def task(owner, **kwargs):
        return TaskFactory(patient=patient, owner=owner, title=f"Call {MARKER} about labs", **kwargs)

    task(owner, due_on=_day(today, -1))  # overdue
    task(owner, due_on=_day(today, -10))  # escalated to both levels
    waiting = task(owner, due_on=_day(today, 5))
    task_actions.wait_task(
        waiting, by=owner, reason=WaitingReason.LAB_RESULT, until=today, note=f"{MARKER} calls back"
    )
    task(digest_reader, due_on=_day(today, -1))
    task(digest_reader, due_on=today)
    return owner, digest_reader


def test_no_email_carries_patient_identifiers_or_task_text(
    eager_celery, marked_practice, today, django_capture_on_commit_callbacks
):
    tomorrow = _day(today, 1)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.sweep_overdue(today=tomorrow.isoformat())
        jobs.sweep_waiting_expired(today=tomorrow.isoformat())
        jobs.escalate_overdue(today=tomorrow.isoformat())
    with django_capture_on_commit_callbacks(execute=True):
        created = actions.claim_digests(now=local(tomorrow, 9))
        jobs.queue_emails(created)

    kinds = set(Notification.objects.filter(emailed_at__isnull=False).values_list("kind", flat=True))
    assert kinds == {Kind.OVERDUE, Kind.WAITING_EXPIRED, Kind.ESCALATION, Kind.DIGEST}
    assert len(mail.outbox) == Notification.objects.filter(emailed_at__isnull=False).count() >= 6
    for email in mail.outbox:
        for text in (email.subject, email.body, *email.to):
            assert MARKER.lower() not in text.lower(), (email.subject, email.body)
