from django.urls import reverse

from tasks.choices import Status
from tests.factories import TaskFactory, in_days


def test_manager_sees_headline_counts_of_own_teams_open_work_only(
    client, manager, patient, coordinator, other_patient, outsider
):
    TaskFactory(patient=patient, owner=coordinator, due_on=in_days(-2))
    TaskFactory(patient=patient, owner=coordinator, due_on=in_days(-1), status=Status.WAITING)
    TaskFactory(patient=patient, owner=coordinator, due_on=in_days(0))
    TaskFactory(patient=patient, owner=coordinator, due_on=in_days(5))
    TaskFactory(patient=patient, owner=coordinator, due_on=in_days(-3), status=Status.COMPLETED)
    TaskFactory(patient=other_patient, owner=outsider, due_on=in_days(-3))
    client.force_login(manager)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert (response.context["overdue"], response.context["due_today"], response.context["open"]) == (2, 1, 4)


def test_front_desk_has_no_dashboard(client, front_desk):
    client.force_login(front_desk)

    assert client.get(reverse("dashboard")).status_code == 403
