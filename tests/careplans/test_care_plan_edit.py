"""The provider's clinical edit of a care plan: status, end, interventions and goals."""

from django.urls import reverse

from careplans.models import CarePlanStatus, Goal, GoalStatus
from tests.factories import GoalFactory


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
