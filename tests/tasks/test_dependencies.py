"""A task that waits for another (a template's dependency) is completed after it, unless a
manager of the team overrides the order with a reason."""

import pytest

from tasks import actions
from tasks.choices import ActivityKind, Status
from tests.factories import TaskFactory, drive_to
from tests.helpers import changes_nothing, last_activity


@pytest.fixture
def earlier(patient, coordinator):
    return TaskFactory(patient=patient, owner=coordinator, title="Medication reconciliation")


@pytest.fixture
def later(patient, colleague, earlier):
    return TaskFactory(patient=patient, owner=colleague, title="Education visit", depends_on=earlier)


@pytest.mark.parametrize("status", [Status.NEW, Status.IN_PROGRESS, Status.WAITING])
def test_a_step_cannot_be_completed_while_the_one_it_waits_for_is_open(
    earlier, later, colleague, coordinator, status
):
    drive_to(earlier, status, by=coordinator)

    with changes_nothing(later), pytest.raises(actions.RuleViolation) as refused:
        actions.complete_task(later, by=colleague, outcome="Taught")

    assert refused.value.rule == "complete-after-dependency"
    assert "Medication reconciliation" in refused.value.message


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.CANCELLED])
def test_once_the_earlier_step_is_closed_the_next_completes(earlier, later, colleague, coordinator, status):
    drive_to(earlier, status, by=coordinator)

    done = actions.complete_task(later, by=colleague, outcome="Taught")

    assert done.status == Status.COMPLETED


def test_a_manager_overrides_the_order_with_a_reason_kept_in_the_timeline(earlier, later, manager):
    done = actions.complete_task(
        later, by=manager, outcome="Taught", override_reason="Patient came in early; reconciliation next week"
    )

    assert done.status == Status.COMPLETED
    expected = "Taught (completed before “Medication reconciliation”: Patient came in early; reconciliation next week)"
    assert done.outcome == expected
    activity = last_activity(later)
    assert (activity.kind, activity.actor, activity.to_status, activity.body) == (
        ActivityKind.STATUS_CHANGE,
        manager,
        Status.COMPLETED,
        expected,
    )
    history = later.history.latest()
    assert (history.history_user, history.status) == (manager, Status.COMPLETED)


def test_the_owner_cannot_override_the_order(earlier, later, colleague):
    with changes_nothing(later), pytest.raises(actions.NotAllowed):
        actions.complete_task(later, by=colleague, outcome="Taught", override_reason="I'm sure")


def test_an_override_with_nothing_to_override_is_refused(later, earlier, coordinator, manager):
    drive_to(earlier, Status.COMPLETED, by=coordinator)

    with changes_nothing(later), pytest.raises(actions.RuleViolation) as refused:
        actions.complete_task(later, by=manager, outcome="Taught", override_reason="Just because")

    assert refused.value.rule == "override-needs-open-dependency"


def test_a_version_conflict_is_still_reported_first_to_the_one_who_may_override(
    earlier, later, manager, colleague
):
    stale = later.version
    actions.change_task(later, by=colleague, reason="Title", title="Education visit (diabetes)")

    with pytest.raises(actions.VersionConflict):
        actions.complete_task(
            later, by=manager, outcome="Taught", override_reason="Early", expected_version=stale
        )


def test_the_panel_offers_the_override_to_a_manager_only(client, earlier, later, manager, colleague):
    client.force_login(colleague)
    page = client.get(later.get_absolute_url()).content.decode()
    assert "complete-override_reason" not in page
    assert "Complete that step first" in page

    client.force_login(manager)
    page = client.get(later.get_absolute_url()).content.decode()
    assert 'name="complete-override_reason"' in page

    response = client.post(
        f"/tasks/{later.pk}/complete/",
        {
            "complete-version": later.version,
            "complete-outcome": "Taught",
            "complete-override_reason": "Early visit",
        },
    )
    assert response.status_code == 302
    later.refresh_from_db()
    assert later.status == Status.COMPLETED


def test_the_owner_posting_complete_early_gets_the_rule_and_nothing_changes(
    client, earlier, later, colleague
):
    client.force_login(colleague)
    with changes_nothing(later):
        response = client.post(
            f"/tasks/{later.pk}/complete/", {"complete-version": later.version, "complete-outcome": "Taught"}
        )
    assert response.status_code == 400
    assert "waits for “Medication reconciliation”" in response.content.decode()


def test_a_manager_overriding_the_order_can_cancel_the_earlier_step(earlier, later, manager):
    done = actions.complete_task(
        later, by=manager, outcome="Taught", override_reason="Screened elsewhere", cancel_earlier=True
    )

    earlier.refresh_from_db()
    assert done.status == Status.COMPLETED
    assert (earlier.status, earlier.outcome) == (Status.CANCELLED, "Not needed: Screened elsewhere")
    assert last_activity(earlier).actor == manager
