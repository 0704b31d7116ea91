"""Break the glass (careplans.emergency): a provider or coordinator opens a patient outside their
teams with a reason, for EMERGENCY_ACCESS_HOURS; logged, shown in a banner, told to Compliance
(tests/notifications/test_emergency_access_notices.py), and gone when it expires."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.errors import NotAllowed, RuleViolation
from accounts.roles import Role
from careplans import emergency
from careplans.models import EmergencyAccess, Patient, PatientAccessLog
from notifications.models import Kind, Notification
from tests.factories import PatientFactory, TaskFactory, UserFactory
from tests.helpers import count_queries, inline_code

REASON = "Patient in the ED after a fall; their team is closed tonight"


@pytest.fixture
def compliance(db):
    return UserFactory(roles=[Role.COMPLIANCE], username="compliance")


def _form(patient, reason=REASON, **extra):
    return {
        "mrn": patient.mrn.lower(),
        "birth_date": patient.birth_date.isoformat(),
        "reason": reason,
        "confirm": "on",
        **extra,
    }


def _break(client, patient, **kwargs):
    return client.post(reverse("emergency_access"), _form(patient, **kwargs))


def _page(patient):
    return reverse("patient_detail", args=[patient.pk])


@pytest.mark.parametrize("reason", ["", "   ", "emergency"])
def test_refused_without_a_reason(client, outsider, patient, compliance, reason):
    client.force_login(outsider)

    response = _break(client, patient, reason=reason)

    assert response.status_code == 400
    assert not EmergencyAccess.objects.exists()
    assert not Notification.objects.exists()
    assert client.get(_page(patient)).status_code == 404


def test_the_action_refuses_a_blank_reason(outsider, patient):
    with pytest.raises(RuleViolation) as refused:
        emergency.break_glass(outsider, patient, "  ")

    assert refused.value.rule == "emergency-access-needs-reason"
    assert not EmergencyAccess.objects.exists()


def test_without_the_confirmation_nothing_is_granted(client, outsider, patient):
    client.force_login(outsider)
    data = _form(patient)
    del data["confirm"]

    assert client.post(reverse("emergency_access"), data).status_code == 400
    assert not EmergencyAccess.objects.exists()


def test_with_a_reason_the_patient_opens_logged_with_a_banner(client, outsider, patient, compliance):
    client.force_login(outsider)

    response = _break(client, patient)

    assert response.status_code == 302
    assert response["Location"] == _page(patient)
    access = EmergencyAccess.objects.get()
    assert (access.user, access.patient, access.reason) == (outsider, patient, REASON)
    assert access.expires_at - access.granted_at == datetime.timedelta(hours=4)
    assert access.history.get().history_user == outsider
    page = client.get(_page(patient))
    assert page.status_code == 200
    until = timezone.localtime(access.expires_at).strftime("%H:%M")
    html = page.content.decode()
    assert f"Emergency access until {until}</strong> — {REASON}" in html
    assert inline_code(html) == []
    assert PatientAccessLog.objects.filter(user=outsider, patient=patient).exists()
    assert Notification.objects.filter(recipient=compliance, kind=Kind.EMERGENCY_ACCESS).count() == 1


def test_the_patients_tasks_show_the_banner_too(client, outsider, patient, coordinator):
    task = TaskFactory(patient=patient, owner=coordinator)
    client.force_login(outsider)
    _break(client, patient)

    page = client.get(task.get_absolute_url())
    panel = client.get(task.get_absolute_url(), headers={"HX-Request": "true"})

    assert "Emergency access until" in page.content.decode()
    assert "Emergency access until" in panel.content.decode()


def test_each_view_during_the_access_is_logged_as_emergency(client, outsider, coordinator, patient):
    client.force_login(coordinator)  # of the patient's team: an ordinary view
    client.get(_page(patient))
    client.force_login(outsider)
    _break(client, patient)
    client.get(_page(patient))

    reasons = dict(
        PatientAccessLog.objects.filter(path=_page(patient)).values_list("user__username", "reason")
    )
    assert reasons == {coordinator.username: "view", outsider.username: "emergency"}


def test_the_access_expires(client, outsider, patient, settings):
    settings.EMERGENCY_ACCESS_HOURS = 2
    client.force_login(outsider)
    _break(client, patient)
    access = EmergencyAccess.objects.get()

    # A fresh sign-in at each moment: the session's idle logoff would end the old one first.
    with time_machine.travel(access.expires_at - datetime.timedelta(minutes=1)):
        client.force_login(outsider)
        assert client.get(_page(patient)).status_code == 200
    with time_machine.travel(access.expires_at + datetime.timedelta(seconds=1)):
        client.force_login(outsider)
        assert client.get(_page(patient)).status_code == 404
        assert (
            not Patient.objects.visible_to(type(outsider).objects.get(pk=outsider.pk))
            .filter(pk=patient.pk)
            .exists()
        )


@pytest.mark.parametrize("who", ["medical_assistant", "front_desk", "manager", "admin"])
def test_without_the_right_refused(client, request, who, other_patient):
    user = request.getfixturevalue(who)
    client.force_login(user)

    assert client.get(reverse("emergency_access")).status_code == 403
    assert _break(client, other_patient).status_code == 403
    with pytest.raises(NotAllowed):
        emergency.break_glass(user, other_patient, REASON)
    assert not EmergencyAccess.objects.exists()
    assert client.get(_page(other_patient)).status_code in (403, 404)


def test_a_wrong_date_of_birth_finds_nothing(client, outsider, patient):
    client.force_login(outsider)

    response = _break(
        client, patient, birth_date=(patient.birth_date - datetime.timedelta(days=1)).isoformat()
    )

    assert response.status_code == 400
    assert "No patient has this MRN and date of birth" in response.content.decode()
    assert not EmergencyAccess.objects.exists()


def test_a_patient_already_seen_just_opens(client, coordinator, patient):
    client.force_login(coordinator)

    response = _break(client, patient)

    assert response.status_code == 302
    assert response["Location"] == _page(patient)
    assert not EmergencyAccess.objects.exists()
    with pytest.raises(RuleViolation):
        emergency.break_glass(coordinator, patient, REASON)


def test_a_restricted_patient_of_ones_own_team_opens_the_same_way(client, provider, team):
    restricted = PatientFactory(care_team=team, is_restricted=True)
    client.force_login(provider)
    assert client.get(_page(restricted)).status_code == 404

    _break(client, restricted)

    assert client.get(_page(restricted)).status_code == 200


def test_the_page_lists_ones_current_accesses(client, outsider, patient):
    client.force_login(outsider)
    _break(client, patient)

    page = client.get(reverse("emergency_access"))

    assert page.status_code == 200
    assert f"MRN {patient.mrn}" in page.content.decode()
    assert inline_code(page.content.decode()) == []


@pytest.mark.parametrize("url", ["patient_list", "my_work", "team_queue"])
def test_lists_cost_no_more_queries_with_an_emergency_access(client, outsider, patient, other_patient, url):
    TaskFactory(patient=other_patient, owner=outsider)
    client.force_login(outsider)
    client.get(reverse(url))
    without = count_queries(client, reverse(url))

    _break(client, patient)
    client.get(reverse(url))  # shows the flash message, which costs a session write once

    assert count_queries(client, reverse(url)) == without


def test_the_patient_page_costs_no_more_queries_without_an_emergency(
    client, outsider, patient, other_patient
):
    """The banner reads its grant only when the scope says there is one."""
    client.force_login(outsider)
    client.get(_page(other_patient))
    before = count_queries(client, _page(other_patient))

    _break(client, patient)
    client.get(_page(other_patient))  # shows the flash message

    assert count_queries(client, _page(other_patient)) == before
    assert count_queries(client, _page(patient)) == before + 1


def test_a_search_that_finds_nobody_points_to_emergency_access(client, outsider, front_desk):
    client.force_login(outsider)
    found_nobody = client.get(reverse("patient_search"), {"q": "Nobody"}).content.decode()
    client.force_login(front_desk)

    assert reverse("emergency_access") in found_nobody
    assert (
        reverse("emergency_access")
        not in client.get(reverse("patient_search"), {"q": "Nobody"}).content.decode()
    )
