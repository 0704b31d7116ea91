"""New task from My work: find the patient, then the new-task form, and back to My work."""

from django.urls import reverse

from careplans.models import PatientAccessLog
from tasks.choices import TaskKind
from tasks.models import Task
from tests.factories import PatientFactory, in_days
from tests.helpers import count_queries

HTMX = {"HX-Request": "true"}


def test_my_work_offers_a_new_task(client, coordinator):
    client.force_login(coordinator)

    page = client.get(reverse("my_work")).text

    assert f'href="{reverse("task_new_pick")}"' in page


def test_the_search_finds_patients_of_the_users_teams_only(client, coordinator, patient, other_patient):
    client.force_login(coordinator)

    mine = client.get(reverse("task_new_pick"), {"q": f"{patient.first_name} {patient.last_name}"}).text
    theirs = client.get(reverse("task_new_pick"), {"q": other_patient.last_name}).text

    assert f"{reverse('task_create', args=[patient.pk])}?from=work" in mine
    assert reverse("task_create", args=[other_patient.pk]) not in theirs
    assert "No patient of your teams matches" in theirs
    assert list(PatientAccessLog.objects.values_list("patient_id", flat=True)) == [patient.pk]


def test_by_date_of_birth_as_typed(client, coordinator, patient):
    client.force_login(coordinator)

    part = client.get(
        reverse("task_new_pick"), {"q": patient.birth_date.strftime("%m/%d/%Y")}, headers=HTMX
    ).text

    assert "<html" not in part
    assert reverse("task_create", args=[patient.pk]) in part


def test_a_task_made_from_my_work_returns_to_my_work(client, coordinator, patient):
    client.force_login(coordinator)
    url = f"{reverse('task_create', args=[patient.pk])}?from=work"

    form = client.get(url).text
    response = client.post(
        url,
        {
            "title": "Call about the missed visit",
            "kind": TaskKind.OUTREACH_CALL,
            "owner": coordinator.pk,
            "due_on": in_days(1).isoformat(),
            "priority": 2,
            "note": "",
        },
    )

    assert f'href="{reverse("my_work")}" role="button"' in form  # Cancel goes back there too
    assert response.status_code == 302 and response["Location"] == reverse("my_work")
    assert Task.objects.get(title="Call about the missed visit").patient == patient


def test_the_search_costs_the_same_with_3_matches_and_with_20(client, coordinator, team):
    for _ in range(3):
        PatientFactory(care_team=team, last_name="Okafor")
    client.force_login(coordinator)
    url = f"{reverse('task_new_pick')}?q=Okafor"
    client.get(url)
    few = count_queries(client, url)

    for _ in range(17):
        PatientFactory(care_team=team, last_name="Okafor")

    assert count_queries(client, url) == few
