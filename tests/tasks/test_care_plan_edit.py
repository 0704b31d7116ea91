"""The provider's clinical edit of a care plan: status, end, interventions and goals."""

from django.urls import reverse

from careplans.models import CarePlanStatus, Goal, GoalStatus
from notifications import actions as notification_actions
from tasks.choices import ActivityKind, Status
from tasks.models import Activity, Task
from tests.factories import GoalFactory, TaskFactory, in_days
from tests.helpers import task_state


def _url(plan):
    return reverse("care_plan_edit", args=[plan.pk])


def _post(client, plan, *, version, goals, **fields):
    data = {
        "version": version,
        "status": fields.get("status", CarePlanStatus.ACTIVE),
        "ends_on": fields.get("ends_on", ""),
        "interventions": fields.get("interventions", "Weekly glucose log review"),
        "goals-TOTAL_FORMS": len(goals),
        "goals-INITIAL_FORMS": 0,
    }
    for i, goal in enumerate(goals):
        for key, value in goal.items():
            data[f"goals-{i}-{key}"] = value
    data.update(fields.get("closing", {}))
    return client.post(_url(plan), data)


def test_provider_edits_goals_and_interventions_with_history(client, provider, care_plan):
    goal = GoalFactory(care_plan=care_plan, description="A1c below 8", target="by March")
    client.force_login(provider)

    response = _post(
        client,
        care_plan,
        version=care_plan.version,
        interventions="Add nutrition referral",
        goals=[
            {
                "goal_id": goal.pk,
                "description": "A1c below 7.5",
                "target": "by March",
                "status": GoalStatus.ACTIVE,
            },
            {
                "goal_id": "",
                "description": "Walk 20 minutes daily",
                "target": "",
                "status": GoalStatus.PROPOSED,
            },
        ],
    )

    assert response.status_code == 302
    care_plan.refresh_from_db()
    assert care_plan.interventions == "Add nutrition referral"
    assert care_plan.version == 2
    assert care_plan.history.latest().history_user == provider
    goal.refresh_from_db()
    assert goal.description == "A1c below 7.5"
    assert goal.history.latest().history_user == provider
    assert Goal.objects.filter(care_plan=care_plan).count() == 2


def test_stale_form_is_refused_and_changes_nothing(client, provider, care_plan):
    client.force_login(provider)
    stale = care_plan.version
    assert _post(client, care_plan, version=stale, goals=[], interventions="First edit").status_code == 302

    response = _post(client, care_plan, version=stale, goals=[], interventions="Second, stale edit")

    assert response.status_code == 409
    assert "changed this care plan" in response.text
    care_plan.refresh_from_db()
    assert care_plan.interventions == "First edit"


def test_plan_cannot_end_before_it_starts(client, provider, care_plan):
    client.force_login(provider)
    before = care_plan.starts_on.replace(year=care_plan.starts_on.year - 1).isoformat()

    response = _post(client, care_plan, version=care_plan.version, goals=[], ends_on=before)

    assert response.status_code == 400
    assert "cannot end before it starts" in response.text
    care_plan.refresh_from_db()
    assert care_plan.ends_on is None and care_plan.version == 1


def test_coordinator_cannot_edit_clinical_fields(client, coordinator, care_plan):
    client.force_login(coordinator)

    response = _post(
        client, care_plan, version=care_plan.version, goals=[], interventions="Not mine to write"
    )

    assert response.status_code == 403
    care_plan.refresh_from_db()
    assert care_plan.interventions != "Not mine to write"


def _plan_tasks(plan, coordinator):
    """New, In progress (overdue), Waiting, and Completed tasks of the plan."""
    return {
        status: TaskFactory(
            patient=plan.patient, owner=coordinator, care_plan=plan, status=status, due_on=in_days(-10)
        )
        for status in (Status.NEW, Status.IN_PROGRESS, Status.WAITING, Status.COMPLETED)
    }


def test_revoking_a_plan_cancels_its_open_tasks_with_the_reason_and_they_stop_escalating(
    client, provider, coordinator, manager, care_plan, today
):
    tasks = _plan_tasks(care_plan, coordinator)
    client.force_login(provider)

    response = _post(
        client,
        care_plan,
        version=care_plan.version,
        status=CarePlanStatus.REVOKED,
        goals=[],
        closing={"cancel_open_tasks": "on", "reason": "Patient moved to another practice"},
    )

    assert response.status_code == 302
    care_plan.refresh_from_db()
    assert care_plan.status == CarePlanStatus.REVOKED
    statuses = dict(Task.objects.filter(care_plan=care_plan).values_list("pk", "status"))
    assert statuses == {
        tasks[Status.NEW].pk: Status.CANCELLED,
        tasks[Status.IN_PROGRESS].pk: Status.CANCELLED,
        tasks[Status.WAITING].pk: Status.CANCELLED,
        tasks[Status.COMPLETED].pk: Status.COMPLETED,  # closed work stays as it was
    }
    reason = "Care plan revoked: Patient moved to another practice"
    cancel = Activity.objects.get(task=tasks[Status.WAITING], to_status=Status.CANCELLED)
    assert (cancel.actor, cancel.from_status, cancel.body) == (provider, Status.IN_PROGRESS, reason)
    resumed = Activity.objects.get(
        task=tasks[Status.WAITING], to_status=Status.IN_PROGRESS, from_status=Status.WAITING
    )
    assert resumed.actor == provider
    assert Task.objects.get(pk=tasks[Status.NEW].pk).history.first().history_user == provider
    notification_actions.escalate_overdue(today=today)
    assert not Activity.objects.filter(task__care_plan=care_plan, kind=ActivityKind.ESCALATION).exists()


def test_ending_a_plan_with_its_tasks_needs_a_reason_and_changes_nothing_without_one(
    client, provider, coordinator, care_plan
):
    tasks = _plan_tasks(care_plan, coordinator)
    before = [task_state(t) for t in tasks.values()]
    client.force_login(provider)

    response = _post(
        client,
        care_plan,
        version=care_plan.version,
        status=CarePlanStatus.COMPLETED,
        goals=[],
        closing={"cancel_open_tasks": "on", "reason": " "},
    )

    assert response.status_code == 400
    assert response.context["closing"].errors["reason"]
    care_plan.refresh_from_db()
    assert care_plan.status == CarePlanStatus.ACTIVE
    assert [task_state(t) for t in tasks.values()] == before


def test_a_plan_can_end_and_leave_its_tasks_open(client, provider, coordinator, care_plan):
    tasks = _plan_tasks(care_plan, coordinator)
    client.force_login(provider)

    _post(client, care_plan, version=care_plan.version, status=CarePlanStatus.COMPLETED, goals=[], closing={})

    care_plan.refresh_from_db()
    assert care_plan.status == CarePlanStatus.COMPLETED
    assert Task.objects.get(pk=tasks[Status.NEW].pk).status == Status.NEW


def test_a_plan_completed_without_an_end_date_ends_today(client, provider, care_plan):
    from django.utils import timezone

    client.force_login(provider)
    response = _post(client, care_plan, version=care_plan.version, goals=[], status=CarePlanStatus.COMPLETED)

    assert response.status_code == 302
    care_plan.refresh_from_db()
    assert (care_plan.status, care_plan.ends_on) == (CarePlanStatus.COMPLETED, timezone.localdate())
