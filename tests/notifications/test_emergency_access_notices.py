"""An emergency access (careplans.emergency.break_glass) is told to the Compliance role: every
active holder of the right to hear of it, in the inbox, and by email with no patient in it."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.roles import Role
from careplans import emergency
from notifications.models import Delivery, Kind, Notification, NotificationPreference
from tests.factories import PatientFactory, UserFactory

REASON = "Zebulon collapsed in clinic; his team is at the offsite"


@pytest.fixture
def compliance(db):
    return UserFactory(roles=[Role.COMPLIANCE], username="compliance", email="compliance@clinic.test")


@pytest.fixture
def stranger(other_team):
    return PatientFactory(care_team=other_team, first_name="Zebulon", last_name="Quartermain", mrn="QX-4411")


def _notified():
    return sorted(
        Notification.objects.filter(kind=Kind.EMERGENCY_ACCESS).values_list("recipient__username", flat=True)
    )


def test_every_active_compliance_member_hears_once(coordinator, stranger, compliance, manager):
    UserFactory(roles=[Role.COMPLIANCE], username="retired", is_active=False)
    UserFactory(roles=[Role.COMPLIANCE, Role.PROVIDER], username="officer")

    access = emergency.break_glass(coordinator, stranger, REASON)

    assert _notified() == ["compliance", "officer"]
    assert set(Notification.objects.values_list("emergency_access", flat=True)) == {access.pk}


def test_the_role_is_whoever_holds_its_right_whatever_its_name(coordinator, stranger, compliance):
    group = Group.objects.get(name=Role.COMPLIANCE)
    group.name = "Privacy office"
    group.save()

    emergency.break_glass(coordinator, stranger, REASON)

    assert _notified() == ["compliance"]


def test_a_compliance_member_breaking_the_glass_is_not_told_of_it(other_team, team, stranger, compliance):
    both = UserFactory(roles=[Role.COORDINATOR, Role.COMPLIANCE], username="both", works_in=team)

    emergency.break_glass(both, stranger, REASON)

    assert _notified() == ["compliance"]


def test_the_inbox_shows_who_opened_whom_and_why(client, coordinator, stranger, compliance):
    access = emergency.break_glass(coordinator, stranger, REASON)
    client.force_login(compliance)

    page = client.get(reverse("inbox")).content.decode()

    assert "Emergency access: a colleague opened" in page
    assert "Quartermain, Zebulon" in page
    assert "QX-4411" in page
    assert REASON in page
    assert access.user.get_full_name() in page
    assert Notification.objects.unread_for(compliance).count() == 1


def test_an_immediate_email_names_no_patient_and_no_reason(
    coordinator, stranger, compliance, eager_celery, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=compliance, delivery=Delivery.IMMEDIATE)

    with django_capture_on_commit_callbacks(execute=True):
        emergency.break_glass(coordinator, stranger, REASON)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["compliance@clinic.test"]
    assert message.subject.startswith("Followthrough: Emergency access")
    assert coordinator.get_full_name() in message.body
    for secret in ("Zebulon", "Quartermain", "QX-4411", "collapsed"):
        assert secret not in message.subject + message.body


def test_a_notice_of_emergency_access_needs_its_grant(compliance):
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=compliance, kind=Kind.EMERGENCY_ACCESS, day="2026-12-01")


def test_compliance_lands_on_the_audit(client, compliance):
    """Its day is the audit; the emergency accesses it hears of are in the inbox (the badge)."""
    client.force_login(compliance)

    assert client.get(reverse("home"))["Location"] == reverse("audit")
