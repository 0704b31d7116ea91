import pytest
from django.urls import reverse

from tasks import actions
from tasks.choices import ActivityKind, Status
from tests.factories import TaskFactory, in_days
from tests.helpers import changes_nothing, last_activity

HTMX = {"HX-Request": "true"}


def _url(task, verb):
    return reverse("task_action", args=[task.pk, verb])


def _template_names(response):
    return [t.name for t in response.templates if not t.name.startswith("django/")]


def test_plain_post_applies_the_change_and_redirects_to_the_task(client, coordinator, task):
    client.force_login(coordinator)

    response = client.post(
        _url(task, "complete"), {"complete-version": task.version, "complete-outcome": "Booked for Tuesday"}
    )

    assert response.status_code == 302
    assert response["Location"] == task.get_absolute_url()
    task.refresh_from_db()
    assert (task.status, task.outcome, task.completed_by) == (
        Status.COMPLETED,
        "Booked for Tuesday",
        coordinator,
    )
    activity = last_activity(task)
    assert (activity.kind, activity.actor, activity.to_status) == (
        ActivityKind.STATUS_CHANGE,
        coordinator,
        Status.COMPLETED,
    )
    assert task.history.latest().history_user == coordinator
    assert "Saved." in client.get(response["Location"]).text


def test_htmx_post_applies_the_change_and_renders_only_the_panel(client, coordinator, task):
    client.force_login(coordinator)

    response = client.post(_url(task, "start"), {"start-version": task.version}, headers=HTMX)

    assert response.status_code == 200
    assert _template_names(response)[0] == "tasks/_task_panel.html"
    assert "tasks/task_detail.html" not in _template_names(response)
    assert "<html" not in response.text
    assert response["HX-Trigger"] == "taskChanged"
    task.refresh_from_db()
    assert task.status == Status.IN_PROGRESS
    assert response.context["task"].version == task.version


def test_htmx_and_plain_posts_do_the_same_thing(client, coordinator, patient):
    plain, htmx = (TaskFactory(patient=patient, owner=coordinator) for _ in range(2))
    client.force_login(coordinator)
    data = {"attempt-body": "Spoke with daughter", "attempt-contact_outcome": "reached"}

    client.post(_url(plain, "attempt"), data)
    client.post(_url(htmx, "attempt"), data, headers=HTMX)

    fields = ("kind", "actor", "body", "contact_outcome")
    assert [getattr(last_activity(plain), f) for f in fields] == [
        getattr(last_activity(htmx), f) for f in fields
    ]


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_invalid_form_is_400_with_the_field_error_and_changes_nothing(client, coordinator, task, headers):
    client.force_login(coordinator)

    with changes_nothing(task):
        response = client.post(
            _url(task, "complete"),
            {"complete-version": task.version, "complete-outcome": ""},
            headers=headers,
        )

    assert response.status_code == 400
    assert response.context["forms"]["complete"].errors == {"outcome": ["This field is required."]}
    assert "This field is required." in response.text


def test_waiting_until_in_the_past_is_a_field_error(client, coordinator, task):
    client.force_login(coordinator)
    data = {
        "wait-version": task.version,
        "wait-reason": "lab_result",
        "wait-until": in_days(-1).isoformat(),
        "wait-note": "",
    }

    with changes_nothing(task):
        response = client.post(_url(task, "wait"), data)

    assert response.status_code == 400
    assert "The waiting-until date cannot be in the past." in response.text


def test_reassign_to_someone_outside_the_team_is_a_field_error(client, coordinator, task, outsider):
    client.force_login(coordinator)
    data = {"reassign-version": task.version, "reassign-to": outsider.pk, "reassign-reason": "Covering"}

    with changes_nothing(task):
        response = client.post(_url(task, "reassign"), data)

    assert response.status_code == 400
    assert "to" in response.context["forms"]["reassign"].errors


def test_rule_violation_is_400_with_its_message_and_changes_nothing(client, coordinator, patient):
    task = TaskFactory(patient=patient, owner=coordinator, status=Status.IN_PROGRESS)
    client.force_login(coordinator)

    with changes_nothing(task):
        response = client.post(_url(task, "start"), {"start-version": task.version})

    assert response.status_code == 400
    assert "Cannot start a task that is In progress" in response.text


def test_refused_by_role_is_403_and_changes_nothing(client, front_desk, task):
    client.force_login(front_desk)

    with changes_nothing(task):
        response = client.post(_url(task, "start"), {"start-version": task.version})

    assert response.status_code == 403


def test_unknown_verb_is_404_and_changes_nothing(client, coordinator, task):
    client.force_login(coordinator)

    with changes_nothing(task):
        response = client.post(_url(task, "delete"), {"delete-version": task.version})

    assert response.status_code == 404


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_version_conflict_is_409_with_the_message_and_overwrites_nothing(
    client, coordinator, manager, task, headers
):
    seen_version = task.version
    actions.start_task(task, by=manager)
    client.force_login(coordinator)

    with changes_nothing(task):
        response = client.post(
            _url(task, "complete"),
            {"complete-version": seen_version, "complete-outcome": "Done from an old page"},
            headers=headers,
        )

    assert response.status_code == 409
    assert f"This task was changed by {manager.get_full_name()}" in response.text
    assert "nothing you entered was saved" in response.text
    task.refresh_from_db()
    assert (task.status, task.outcome) == (Status.IN_PROGRESS, "")
    assert response.context["forms"]["complete"].initial["version"] == task.version
    assert ("<html" in response.text) is not bool(headers)


@pytest.mark.parametrize(
    ("who", "verb"), [("front_desk", "reopen"), ("provider", "reassign"), ("colleague", "complete")]
)
def test_role_without_the_right_gets_403_even_when_the_form_is_invalid(
    client, request, patient, coordinator, who, verb
):
    task = TaskFactory(
        patient=patient, owner=coordinator, status=Status.COMPLETED if verb == "reopen" else Status.NEW
    )
    client.force_login(request.getfixturevalue(who))

    with changes_nothing(task):
        response = client.post(_url(task, verb), {f"{verb}-version": task.version})

    assert response.status_code == 403
