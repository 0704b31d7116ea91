"""The transfer page (tasks.transfer_views): preview, confirm, a stale preview, bad input, who is
offered the link; and the Django admin's way to it (the patient's team is read-only there)."""

import re

import pytest
from django.urls import reverse

from accounts.roles import Role
from careplans.models import PatientAccessLog
from tasks.choices import ActivityKind, Status
from tasks.transfer import preview_transfer
from tests.factories import CareTeamFactory, PatientFactory, TaskFactory, member
from tests.helpers import inline_code
from tests.tasks.conftest import REASON
from tests.tasks.test_transfer import patient_unchanged

# ---- the page -----------------------------------------------------------------------------


def _url(patient) -> str:
    return reverse("patient_transfer", args=[patient.pk])


def _post_data(response, **changes) -> dict:
    """The preview's form as the browser would send it: hidden fields and the proposed owners."""
    body = response.content.decode()
    data = dict(re.findall(r'<input type="hidden" name="(to_team|version)" value="([^"]*)"', body))
    data.update(
        {
            f"t{row.task.pk}-owner": row.proposed.pk
            for row in response.context["preview"].rows
            if row.proposed is not None
        }
    )
    data["reason"] = REASON
    data.update(changes)
    return data


def test_a_manager_of_both_teams_previews_and_transfers(
    client, patient, coordinator, both_manager, team, other_team, outsider, south_coordinator
):
    call = TaskFactory(patient=patient, owner=coordinator)
    TaskFactory(patient=patient, owner=coordinator, status=Status.COMPLETED)
    client.force_login(both_manager)

    page = client.get(_url(patient))
    assert page.status_code == 200
    assert list(page.context["pick"].fields["to_team"].queryset) == [other_team]
    preview = client.get(_url(patient), {"to_team": other_team.pk})
    body = preview.content.decode()
    assert preview.status_code == 200
    assert inline_code(body) == []
    assert call.title in body and "2 tasks move with their timelines: 1 open, 1 closed" in body
    assert preview["Cache-Control"].startswith("max-age=0")
    assert PatientAccessLog.objects.filter(user=both_manager, patient=patient).count() == 2

    response = client.post(_url(patient), _post_data(preview, **{f"t{call.pk}-owner": south_coordinator.pk}))

    assert response.status_code == 302
    assert response["Location"] == patient.get_absolute_url()
    call.refresh_from_db()
    patient.refresh_from_db()
    assert (patient.care_team, call.care_team, call.owner) == (other_team, other_team, south_coordinator)
    flashed = [str(m) for m in response.wsgi_request._messages]
    assert flashed == [
        f"{patient.full_name} moved from {team} to {other_team} with 2 tasks; 1 open task changed owner."
    ]
    timeline = client.get(patient.get_absolute_url()).content.decode()
    assert f"Care team: {team} → {other_team}. Transfer: {REASON}" in timeline


def test_a_stale_preview_is_shown_again_and_nothing_moves(
    client, patient, coordinator, colleague, both_manager, other_team, outsider
):
    task = TaskFactory(patient=patient, owner=coordinator)
    client.force_login(both_manager)
    preview = client.get(_url(patient), {"to_team": other_team.pk})
    TaskFactory(patient=patient, owner=colleague)  # added while the page was open

    with patient_unchanged(patient):
        response = client.post(_url(patient), _post_data(preview))

    assert response.status_code == 409
    assert "changed since this page was shown" in response.content.decode()
    assert len(response.context["preview"].rows) == 2
    assert (
        response.context["form"].initial["version"] == preview_transfer(patient, to_team=other_team).version
    )
    assert task.activities.filter(kind=ActivityKind.REASSIGNMENT).count() == 0


@pytest.mark.parametrize("missing", ["reason", "owner", "team"])
def test_bad_input_is_reported_and_nothing_moves(
    client, patient, coordinator, both_manager, other_team, outsider, missing
):
    task = TaskFactory(patient=patient, owner=coordinator)
    unmanaged = CareTeamFactory(name="East team")
    client.force_login(both_manager)
    preview = client.get(_url(patient), {"to_team": other_team.pk})
    changes = {
        "reason": {"reason": ""},
        "owner": {f"t{task.pk}-owner": ""},
        "team": {"to_team": unmanaged.pk},
    }[missing]

    with patient_unchanged(patient):
        response = client.post(_url(patient), _post_data(preview, **changes))

    assert response.status_code == 400


def test_a_team_without_members_is_said_to_be_one_and_cannot_be_confirmed(
    client, patient, coordinator, superuser
):
    TaskFactory(patient=patient, owner=coordinator)
    empty = CareTeamFactory(name="East team")
    client.force_login(superuser)

    body = client.get(_url(patient), {"to_team": empty.pk}).content.decode()

    assert "East team has no active members" in body
    assert '<button type="submit" disabled>Transfer to East team</button>' in body


def test_a_manager_of_one_team_is_told_whom_to_ask_and_not_offered_the_link(client, patient, manager):
    client.force_login(manager)

    assert "You manage no other team" in client.get(_url(patient)).content.decode()
    assert _url(patient) not in client.get(patient.get_absolute_url()).content.decode()


def test_the_patient_page_links_to_the_transfer_for_a_manager_of_both_teams(client, patient, both_manager):
    client.force_login(both_manager)

    assert _url(patient) in client.get(patient.get_absolute_url()).content.decode()


def test_an_admin_transfers_from_the_django_admin_and_returns_there(
    client, patient, coordinator, superuser, other_team
):
    """The superuser works in no team: no patient page, so the transfer leads back to the admin."""
    TaskFactory(patient=patient, owner=coordinator)
    member(Role.COORDINATOR, other_team)
    client.force_login(superuser)
    change_page = client.get(reverse("admin:careplans_patient_change", args=[patient.pk])).content.decode()
    assert 'name="care_team"' not in change_page
    assert _url(patient) in change_page
    assert 'name="care_team"' in client.get(reverse("admin:careplans_patient_add")).content.decode()

    preview = client.get(_url(patient), {"to_team": other_team.pk})
    response = client.post(_url(patient), _post_data(preview))

    assert response["Location"] == reverse("admin:careplans_patient_change", args=[patient.pk])
    patient.refresh_from_db()
    assert patient.care_team == other_team


def test_the_admin_action_opens_the_transfer_of_one_patient(client, patient, superuser, team):
    client.force_login(superuser)
    changelist = reverse("admin:careplans_patient_changelist")

    one = client.post(changelist, {"action": "transfer", "_selected_action": [patient.pk]})
    two = client.post(
        changelist,
        {"action": "transfer", "_selected_action": [patient.pk, PatientFactory(care_team=team).pk]},
        follow=True,
    )

    assert one["Location"] == _url(patient)
    assert "Choose one patient" in two.content.decode()
