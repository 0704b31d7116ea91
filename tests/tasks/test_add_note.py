import pytest
from django.urls import reverse

from tasks.actions import NotAllowed, RuleViolation, add_note
from tasks.choices import ActivityKind, ContactOutcome, TaskKind
from tasks.models import Activity, Task
from tests.factories import in_days
from tests.helpers import activity_mark, changes_nothing, creates_nothing, new_activities


def test_note_is_added_to_the_timeline_without_touching_the_task(task, colleague):
    history_rows = task.history.count()
    mark = activity_mark()

    add_note(task, by=colleague, body="  Daughter is the contact person  ")

    (activity,) = new_activities(task, mark)
    assert activity.kind == ActivityKind.NOTE
    assert activity.actor == colleague
    assert activity.body == "Daughter is the contact person"
    assert activity.contact_outcome == ""
    assert (activity.from_status, activity.to_status) == ("", "")
    task.refresh_from_db()
    assert task.version == 1
    assert task.history.count() == history_rows


def test_contact_attempt_records_its_outcome(task, front_desk):
    mark = activity_mark()

    add_note(task, by=front_desk, body="Mailbox full", contact_outcome=ContactOutcome.NO_ANSWER)

    (activity,) = new_activities(task, mark)
    assert activity.kind == ActivityKind.CONTACT_ATTEMPT
    assert activity.actor == front_desk
    assert (activity.contact_outcome, activity.body) == (ContactOutcome.NO_ANSWER, "Mailbox full")


def test_contact_attempt_needs_no_text(task, coordinator):
    activity = add_note(task, by=coordinator, body="", contact_outcome=ContactOutcome.LEFT_MESSAGE)

    assert activity.kind == ActivityKind.CONTACT_ATTEMPT


@pytest.mark.parametrize(
    ("body", "outcome", "rule"),
    [("   ", "", "note-needs-text"), ("Called", "hung_up", "contact-outcome-valid")],
)
def test_empty_note_or_unknown_outcome_is_refused(task, coordinator, body, outcome, rule):
    with changes_nothing(task), pytest.raises(RuleViolation) as refused:
        add_note(task, by=coordinator, body=body, contact_outcome=outcome)
    assert refused.value.rule == rule


def test_admin_role_cannot_add_notes(task, admin):
    with changes_nothing(task), pytest.raises(NotAllowed):
        add_note(task, by=admin, body="Hello")


def test_user_of_another_team_cannot_note_the_task_even_outside_a_view(task, outsider):
    # Views 404 first; the action holds the line too, for imports and jobs acting as a user.
    with changes_nothing(task), pytest.raises(NotAllowed):
        add_note(task, by=outsider, body="Not my patient")


def test_a_contact_attempt_with_a_call_back_date_creates_the_follow_up_call(task, colleague, client):
    client.force_login(colleague)  # a coordinator of the team, not the task's owner

    response = client.post(
        reverse("task_action", args=[task.pk, "attempt"]),
        {
            "attempt-contact_outcome": ContactOutcome.LEFT_MESSAGE,
            "attempt-body": "Voicemail",
            "attempt-call_back_on": in_days(2),
        },
    )

    assert response.status_code == 302
    follow_up = Task.objects.exclude(pk=task.pk).get()
    assert (follow_up.title, follow_up.kind, follow_up.owner, follow_up.due_on, follow_up.patient_id) == (
        f"Call back: {task.title}",
        TaskKind.OUTREACH_CALL,
        colleague,
        in_days(2),
        task.patient_id,
    )
    attempt = Activity.objects.get(task=task, kind=ActivityKind.CONTACT_ATTEMPT)
    assert (attempt.actor, attempt.contact_outcome, attempt.body) == (colleague, "left_message", "Voicemail")
    created = Activity.objects.get(task=follow_up, kind=ActivityKind.CREATED)
    assert created.actor == colleague
    assert "left message" in created.body


def test_a_call_back_needs_a_contact_attempt_and_a_date_not_past(task, coordinator):
    with changes_nothing(task), creates_nothing(), pytest.raises(RuleViolation) as no_attempt:
        add_note(task, by=coordinator, body="Will call", call_back_on=in_days(1))
    with changes_nothing(task), creates_nothing(), pytest.raises(RuleViolation) as past:
        add_note(
            task, by=coordinator, body="", contact_outcome=ContactOutcome.NO_ANSWER, call_back_on=in_days(-1)
        )

    assert (no_attempt.value.rule, past.value.rule) == ("call-back-needs-attempt", "call-back-not-past")
