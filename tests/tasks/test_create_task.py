import pytest

from tasks.actions import NotAllowed, RuleViolation, create_task
from tasks.choices import ActivityKind, Status, TaskKind
from tasks.models import Task
from tests.factories import in_days
from tests.helpers import creates_nothing


def _create(patient, by, **overrides):
    fields = {
        "patient": patient,
        "by": by,
        "title": "Call about lab results",
        "kind": TaskKind.OUTREACH_CALL,
        "due_on": in_days(3),
    }
    return create_task(**{**fields, **overrides})


def test_coordinator_creates_task_for_a_colleague_with_activity_and_history(patient, coordinator, colleague):
    task = _create(patient, coordinator, owner=colleague, note="Patient prefers mornings")

    task = Task.objects.get(pk=task.pk)
    assert (task.status, task.owner, task.care_team, task.created_by) == (
        Status.NEW,
        colleague,
        patient.care_team,
        coordinator,
    )
    assert task.version == 1
    (activity,) = task.activities.all()
    assert activity.kind == ActivityKind.CREATED
    assert activity.actor == coordinator
    assert (activity.from_status, activity.to_status) == ("", Status.NEW)
    assert (activity.from_owner, activity.to_owner) == (None, colleague)
    assert activity.body == "Patient prefers mornings"
    assert activity.patient == patient
    history = task.history.latest()
    assert history.history_type == "+"
    assert history.history_user == coordinator
    assert history.history_change_reason == "created"
    assert (history.status, history.owner_id) == (Status.NEW, colleague.pk)


def test_front_desk_creates_scheduling_task(patient, front_desk):
    task = _create(patient, front_desk, owner=front_desk, kind=TaskKind.SCHEDULING)

    assert task.activities.get().actor == front_desk


def test_front_desk_cannot_create_clinical_task(patient, front_desk):
    with creates_nothing(), pytest.raises(NotAllowed) as refused:
        _create(patient, front_desk, owner=front_desk, kind=TaskKind.LAB)
    assert refused.value.rule == "not-allowed"


def test_admin_role_cannot_create_tasks(patient, admin, coordinator):
    with creates_nothing(), pytest.raises(NotAllowed):
        _create(patient, admin, owner=coordinator)


def test_owner_outside_the_care_team_is_refused(patient, coordinator, outsider):
    with creates_nothing(), pytest.raises(RuleViolation) as refused:
        _create(patient, coordinator, owner=outsider)
    assert refused.value.rule == "owner-in-care-team"


def test_inactive_team_member_cannot_own_a_task(patient, coordinator, colleague):
    colleague.is_active = False
    colleague.save()

    with creates_nothing(), pytest.raises(RuleViolation) as refused:
        _create(patient, coordinator, owner=colleague)
    assert refused.value.rule == "owner-in-care-team"


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"owner": None}, "task-needs-owner"),
        ({"due_on": None}, "task-needs-due-date"),
        ({"title": "   "}, "task-needs-title"),
    ],
)
def test_task_without_owner_due_date_or_title_is_refused(patient, coordinator, overrides, rule):
    with creates_nothing(), pytest.raises(RuleViolation) as refused:
        _create(patient, coordinator, **{"owner": coordinator, **overrides})
    assert refused.value.rule == rule


def test_cannot_create_a_task_for_another_teams_patient(other_patient, coordinator, outsider):
    with creates_nothing(), pytest.raises(NotAllowed):
        _create(other_patient, coordinator, owner=outsider)


def test_a_clinical_task_needs_an_owner_who_works_clinical_tasks(patient, provider, front_desk):
    from tasks.choices import TaskKind
    from tests.factories import in_days
    from tests.helpers import creates_nothing

    with creates_nothing(), pytest.raises(RuleViolation) as refused:
        create_task(
            patient=patient,
            by=provider,
            title="A1c draw",
            kind=TaskKind.LAB,
            owner=front_desk,
            due_on=in_days(3),
        )
    assert refused.value.rule == "owner-works-this-kind"
    assert "works scheduling and outreach calls only" in refused.value.message
