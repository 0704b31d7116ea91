import pytest
from django.urls import reverse

from tasks.choices import ActivityKind
from tests.factories import TaskFactory
from tests.helpers import selected


def _post(client, tasks, to, **extra):
    data = {"task_ids": selected(*tasks), "to": to.pk, "reason": "Covering the week", **extra}
    return client.post(reverse("bulk_reassign"), data)


def test_manager_reassigns_selected_tasks_each_with_its_activity(
    client, manager, patient, coordinator, colleague
):
    tasks = [TaskFactory(patient=patient, owner=coordinator) for _ in range(3)]
    client.force_login(manager)

    response = _post(client, tasks, colleague)

    assert response.status_code == 302
    for task in tasks:
        task.refresh_from_db()
        assert task.owner == colleague
        activity = task.activities.get(kind=ActivityKind.REASSIGNMENT)
        assert (activity.actor, activity.from_owner, activity.body) == (
            manager,
            coordinator,
            "Covering the week",
        )


def test_coordinator_moves_own_tasks_and_is_told_about_the_rest(
    client, coordinator, colleague, medical_assistant, patient
):
    own = TaskFactory(patient=patient, owner=coordinator)
    theirs = TaskFactory(patient=patient, owner=medical_assistant)
    client.force_login(coordinator)

    response = _post(client, [own, theirs], colleague)

    own.refresh_from_db()
    theirs.refresh_from_db()
    assert (own.owner, theirs.owner) == (colleague, medical_assistant)
    flashed = [str(m) for m in response.wsgi_request._messages]
    assert flashed[0] == "Reassigned 1 task."
    assert flashed[1] == (
        f"{patient.last_name}, {patient.first_name} — {theirs.title}: Coordinators reassign their own "
        "tasks; managers reassign tasks of the teams they manage."
    )


def test_ids_of_tasks_the_user_cannot_see_are_ignored(client, manager, colleague, other_task, outsider):
    client.force_login(manager)

    _post(client, [other_task], colleague)

    other_task.refresh_from_db()
    assert other_task.owner == outsider
    assert not other_task.activities.filter(kind=ActivityKind.REASSIGNMENT).exists()


@pytest.mark.parametrize("valid", [True, False], ids=["valid form", "invalid form"])
def test_next_never_redirects_off_site(client, manager, colleague, task, valid):
    client.force_login(manager)
    data = {"task_ids": selected(task), "to": colleague.pk, "next": "https://evil.example/phish"}
    data["reason"] = "Covering" if valid else ""

    response = client.post(reverse("bulk_reassign"), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("team_queue")


def test_next_within_the_site_is_kept(client, manager, colleague, task):
    client.force_login(manager)
    back = reverse("team_queue") + "?status=new"

    response = _post(client, [task], colleague, next=back)

    assert response["Location"] == back
