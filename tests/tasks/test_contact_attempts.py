"""Contact attempts as the call workflow's own action: the panel's "Log 3rd attempt" button
counts the attempts so far, its form records one (outcome, note, call back), and the timelines
number each task's attempts."""

import pytest
from django.urls import reverse

from tasks import actions
from tasks.choices import ActivityKind, ContactOutcome, Status
from tasks.models import Activity, ordinal
from tests.factories import TaskFactory
from tests.helpers import changes_nothing, count_queries

HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (10, "10th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (101, "101st"),
        (111, "111th"),
        (112, "112th"),
    ],
)
def test_ordinal(n, said):
    assert ordinal(n) == said


def _attempt(task, by, outcome=ContactOutcome.NO_ANSWER, body=""):
    return actions.add_note(task, by=by, body=body, contact_outcome=outcome)


@pytest.mark.parametrize(("so_far", "button"), [(0, "1st"), (1, "2nd"), (2, "3rd"), (3, "4th"), (10, "11th")])
def test_the_panel_offers_the_next_attempt_by_its_ordinal(client, coordinator, task, so_far, button):
    for _ in range(so_far):
        _attempt(task, coordinator)
    actions.add_note(task, by=coordinator, body="A plain note is no attempt")
    client.force_login(coordinator)

    body = client.get(reverse("task_detail", args=[task.pk]), headers=HTMX).content.decode()

    assert f"Log {button} attempt</summary>" in body


def test_attempts_by_anyone_count_and_only_open_tasks_offer_one(client, coordinator, colleague, patient):
    task = TaskFactory(patient=patient, owner=coordinator)
    _attempt(task, colleague)
    closed = TaskFactory(patient=patient, owner=coordinator, status=Status.COMPLETED)
    client.force_login(coordinator)

    assert "Log 2nd attempt" in client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert "attempt" not in client.get(reverse("task_detail", args=[closed.pk])).context["forms"]


def test_logging_an_attempt_writes_one_contact_attempt_row(client, front_desk, task):
    """Front desk logs calls on the work they see, as they add notes."""
    _attempt(task, front_desk)
    client.force_login(front_desk)
    version = task.version

    response = client.post(
        reverse("task_action", args=[task.pk, "attempt"]),
        {"attempt-contact_outcome": ContactOutcome.LEFT_MESSAGE, "attempt-body": "  Voicemail, mobile  "},
        headers=HTMX,
    )

    assert response.status_code == 200
    attempt = Activity.objects.filter(task=task).order_by("-pk").first()
    assert (attempt.kind, attempt.actor, attempt.contact_outcome, attempt.body) == (
        ActivityKind.CONTACT_ATTEMPT,
        front_desk,
        ContactOutcome.LEFT_MESSAGE,
        "Voicemail, mobile",
    )
    task.refresh_from_db()
    assert task.version == version  # an attempt changes nothing on the task
    panel = response.content.decode()
    assert "2nd attempt: Left message" in panel
    assert "Log 3rd attempt" in panel


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"attempt-body": "Rang twice"}, "Choose how the attempt went."),
        ({"attempt-contact_outcome": "hung_up"}, "Select a valid choice."),
        (
            {"attempt-contact_outcome": ContactOutcome.NO_ANSWER, "attempt-call_back_on": "2000-01-01"},
            "The call back date cannot be in the past.",
        ),
    ],
)
def test_an_attempt_without_a_valid_outcome_or_with_a_past_call_back_changes_nothing(
    client, coordinator, task, data, error
):
    client.force_login(coordinator)

    with changes_nothing(task):
        response = client.post(reverse("task_action", args=[task.pk, "attempt"]), data, headers=HTMX)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert 'data-verb="attempt" class="attempt" open' in response.content.decode()


def test_a_note_is_a_note_only(client, coordinator, task):
    """The note form no longer takes an outcome: a call is logged as an attempt, one way only."""
    client.force_login(coordinator)

    client.post(
        reverse("task_action", args=[task.pk, "note"]),
        {"note-body": "Daughter picks up", "note-contact_outcome": ContactOutcome.REACHED},
    )

    note = Activity.objects.filter(task=task).order_by("-pk").first()
    assert (note.kind, note.contact_outcome, note.body) == (ActivityKind.NOTE, "", "Daughter picks up")


def test_timeline_rows_say_which_attempt_each_was(client, coordinator, task):
    _attempt(task, coordinator, ContactOutcome.NO_ANSWER, "Rang out")
    actions.add_note(task, by=coordinator, body="Checked the number with the EHR")
    _attempt(task, coordinator, ContactOutcome.WRONG_NUMBER)
    client.force_login(coordinator)

    rows = client.get(reverse("task_detail", args=[task.pk])).context["activities"]

    assert [a.headline for a in rows] == [
        "2nd attempt: Wrong number",
        "Note",
        "1st attempt: No answer",
        "Created",
    ]


def test_the_patient_timeline_numbers_each_tasks_attempts_on_their_own(client, coordinator, patient):
    first, second = (TaskFactory(patient=patient, owner=coordinator) for _ in range(2))
    _attempt(first, coordinator, ContactOutcome.NO_ANSWER)
    _attempt(second, coordinator, ContactOutcome.LEFT_MESSAGE)
    _attempt(first, coordinator, ContactOutcome.REACHED)
    client.force_login(coordinator)

    timeline = client.get(reverse("patient_detail", args=[patient.pk])).context["timeline"]

    attempts = [
        (e.activity.task_id, e.label) for e in timeline if e.label.endswith(("answer", "message", "Reached"))
    ]
    assert attempts == [
        (first.pk, "2nd attempt: Reached"),
        (second.pk, "1st attempt: Left message"),
        (first.pk, "1st attempt: No answer"),
    ]


def test_numbering_attempts_costs_no_query(client, coordinator, colleague, task):
    client.force_login(coordinator)
    _attempt(task, colleague)
    url = reverse("task_detail", args=[task.pk])
    client.get(url)
    few = count_queries(client, url)

    for i in range(20):
        _attempt(task, colleague if i % 2 else coordinator, body=f"try {i}")
    many = count_queries(client, url)

    assert many == few
    assert "Log 22nd attempt" in client.get(url).content.decode()


def test_a_call_back_can_close_the_task_it_carries_on(client, coordinator, task, today):
    import datetime

    from tasks.choices import Status
    from tasks.models import Task

    client.force_login(coordinator)
    friday = today + datetime.timedelta(days=3)
    response = client.post(
        reverse("task_action", args=[task.pk, "attempt"]),
        {
            "attempt-contact_outcome": "left_message",
            "attempt-body": "",
            "attempt-call_back_on": friday.isoformat(),
            "attempt-close_task": "on",
        },
    )

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == Status.COMPLETED
    assert task.outcome == f"Left message; carried on by a call back on {friday:%m/%d/%Y}"
    call_back = Task.objects.get(title=f"Call back: {task.title}")
    assert (call_back.status, call_back.due_on, call_back.owner) == (Status.NEW, friday, coordinator)


def test_closing_is_offered_only_to_who_may_complete_the_task(client, colleague, coordinator, task):
    client.force_login(colleague)
    assert "attempt-close_task" not in client.get(task.get_absolute_url()).text
    client.force_login(coordinator)
    assert "attempt-close_task" in client.get(task.get_absolute_url()).text
