import uuid

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from careplans.models import CarePlan, DueAnchor, Goal
from tasks import intake
from tasks.choices import ActivityKind, Status, TaskKind
from tasks.models import Activity, Task
from tests.factories import (
    AppointmentFactory,
    CarePlanTemplateFactory,
    PatientFactory,
    TaskFactory,
    TemplateTaskFactory,
    in_days,
)
from tests.helpers import creates_nothing


@pytest.fixture
def template(db):
    template = CarePlanTemplateFactory(name="Diabetes starter")
    TemplateTaskFactory(
        template=template, position=1, title="Welcome call", kind=TaskKind.OUTREACH_CALL, due_offset_days=2
    )
    TemplateTaskFactory(
        template=template,
        position=2,
        title="Review glucose log",
        kind=TaskKind.CHECK_IN,
        assignee_group=Group.objects.get(name=Role.PROVIDER),
        due_anchor=DueAnchor.NEXT_APPOINTMENT,
        due_offset_days=1,
        recurrence_days=30,
        recurrence_count=3,
    )
    return template


def _url(patient):
    return reverse("care_plan_intake", args=[patient.pk])


def _picked(template):
    return {"template": template.pk, "starts_on": in_days(0).isoformat(), "ends_on": ""}


def _save_data(response, **overrides):
    """The preview's own POST form, as a browser would send it."""
    data = {"intake_key": str(response.context["intake_key"]), **response.context["picked"]}
    for _, row_form in response.context["rows"]:
        for name in row_form.fields:
            value = row_form[name].value()
            if value not in (None, False):
                data[row_form.add_prefix(name)] = value.isoformat() if hasattr(value, "isoformat") else value
    return {**data, **overrides}


def test_preview_proposes_owners_and_dates_and_writes_nothing(
    client, coordinator, provider, patient, template
):
    AppointmentFactory(patient=patient, starts_at=f"{in_days(10).isoformat()}T15:00:00Z")
    client.force_login(coordinator)

    response = client.get(_url(patient), _picked(template))

    assert response.status_code == 200
    rows = [(r.title, r.owner, r.due_on, r.recurrence_ends_on) for r, _ in response.context["rows"]]
    assert rows == [
        ("Welcome call", coordinator, in_days(2), None),
        ("Review glucose log", provider, in_days(11), in_days(71)),
    ]
    assert not CarePlan.objects.exists()
    assert not Task.objects.exists()


def test_saving_creates_the_plan_and_its_tasks_once(client, coordinator, provider, patient, template):
    client.force_login(coordinator)
    preview = client.get(_url(patient), _picked(template))
    data = _save_data(preview)

    first = client.post(_url(patient), data)
    second = client.post(_url(patient), data)

    assert (first.status_code, second.status_code) == (302, 302)
    plan = CarePlan.objects.get()
    assert (plan.patient, plan.author, plan.template) == (patient, coordinator, template)
    tasks = list(plan.tasks.order_by("template_task__position"))
    assert [(t.title, t.owner) for t in tasks] == [
        ("Welcome call", coordinator),
        ("Review glucose log", provider),
    ]
    created = tasks[0].activities.get()
    assert (created.kind, created.actor, created.body) == (
        ActivityKind.CREATED,
        coordinator,
        "From template Diabetes starter",
    )
    assert tasks[0].history.latest().history_user == coordinator
    assert patient.enrollments.filter(program=template.program).count() == 1


def test_edited_rows_are_saved_and_unticked_rows_left_out(client, coordinator, colleague, patient, template):
    client.force_login(coordinator)
    preview = client.get(_url(patient), _picked(template))
    (_, first_form), (_, second_form) = preview.context["rows"]
    data = _save_data(preview)
    data[first_form.add_prefix("owner")] = colleague.pk
    data[first_form.add_prefix("title")] = "Welcome call in Spanish"
    del data[second_form.add_prefix("include")]

    client.post(_url(patient), data)

    assert [(t.title, t.owner) for t in Task.objects.all()] == [("Welcome call in Spanish", colleague)]


def test_row_owner_outside_the_care_team_is_refused(client, coordinator, outsider, patient, template):
    client.force_login(coordinator)
    preview = client.get(_url(patient), _picked(template))
    data = _save_data(preview)
    data[preview.context["rows"][0][1].add_prefix("owner")] = outsider.pk

    response = client.post(_url(patient), data)

    assert response.status_code == 400
    assert not CarePlan.objects.exists()
    assert not Task.objects.exists()


def test_provider_records_goals_and_interventions_with_the_plan(
    client, provider, coordinator, patient, template
):
    client.force_login(provider)
    preview = client.get(_url(patient), _picked(template))

    client.post(
        _url(patient),
        _save_data(preview, goals="A1c below 8 | by March\nWalk daily", interventions="Metformin 500 mg"),
    )

    plan = CarePlan.objects.get()
    assert plan.interventions == "Metformin 500 mg"
    assert list(plan.goals.values_list("description", "target")) == [
        ("A1c below 8", "by March"),
        ("Walk daily", ""),
    ]
    # The history (and the patient timeline) names who wrote each goal.
    assert set(Goal.history.values_list("history_user__username", flat=True)) == {"provider"}


def test_goals_posted_by_a_coordinator_are_not_recorded(client, coordinator, patient, template):
    client.force_login(coordinator)
    preview = client.get(_url(patient), _picked(template))

    client.post(_url(patient), _save_data(preview, goals="Lose weight", interventions="Diet"))

    plan = CarePlan.objects.get()
    assert (plan.interventions, Goal.objects.count()) == ("", 0)


def test_missing_intake_key_saves_nothing(client, coordinator, patient, template):
    client.force_login(coordinator)
    preview = client.get(_url(patient), _picked(template))

    response = client.post(_url(patient), _save_data(preview, intake_key="not-a-key"))

    assert response.status_code == 400
    assert not CarePlan.objects.exists()


def test_intake_key_of_another_patients_plan_is_refused_not_answered_with_that_plan(
    client, coordinator, patient, team, template
):
    other = PatientFactory(care_team=team)
    client.force_login(coordinator)
    key = str(uuid.uuid4())
    client.post(_url(other), _save_data(client.get(_url(other), _picked(template)), intake_key=key))

    response = client.post(
        _url(patient), _save_data(client.get(_url(patient), _picked(template)), intake_key=key)
    )

    assert response.status_code == 400
    assert "belongs to another patient" in response.text
    assert not CarePlan.objects.filter(patient=patient).exists()
    assert CarePlan.objects.get(intake_key=key).patient == other


def test_renaming_a_role_keeps_its_template_tasks_owned(client, provider, patient, template):
    """Roles are referred to by their group, never by name: an admin renaming one changes nothing."""
    Group.objects.filter(name=Role.PROVIDER).update(name="Physicians and NPs")

    planned = intake.preview(patient=patient, template=template, starts_on=timezone.localdate())

    assert [row.owner for row in planned if row.title == "Review glucose log"] == [provider]


def test_owners_are_proposed_least_open_work_first(patient, coordinator, colleague):
    """Closed work does not count: the coordinator's five completed tasks weigh nothing."""
    for _ in range(2):
        TaskFactory(patient=patient, owner=coordinator)
    for _ in range(5):
        TaskFactory(patient=patient, owner=coordinator, status=Status.COMPLETED)
    TaskFactory(patient=patient, owner=colleague, status=Status.WAITING)

    coordinators = Group.objects.get(name=Role.COORDINATOR).pk
    assert intake.candidates_by_role(patient)[coordinators][:2] == [colleague, coordinator]

    for _ in range(2):
        TaskFactory(patient=patient, owner=colleague, status=Status.IN_PROGRESS)

    assert intake.candidates_by_role(patient)[coordinators][:2] == [coordinator, colleague]


def test_a_template_already_active_for_the_patient_warns_and_is_applied_again_only_with_a_reason(
    client, coordinator, patient, template
):
    client.force_login(coordinator)
    first = client.get(_url(patient), _picked(template))
    client.post(_url(patient), _save_data(first))
    plan = CarePlan.objects.get()

    again = client.get(_url(patient), _picked(template))  # a new preview: a new intake key
    body = again.content.decode()
    assert again.context["existing_plan"] == plan
    assert f'href="{patient.get_absolute_url()}#plan-{plan.pk}"' in body

    with creates_nothing():
        refused = client.post(_url(patient), _save_data(again))
    assert refused.status_code == 400
    assert "already has an active Diabetes starter plan" in refused.context["error"]
    assert CarePlan.objects.count() == 1

    saved = client.post(_url(patient), _save_data(again, again_reason="New episode after a hospital stay"))

    assert saved.status_code == 302
    second = CarePlan.objects.exclude(pk=plan.pk).get()
    assert second.history.first().history_change_reason == "Applied again: New episode after a hospital stay"
    notes = set(
        Activity.objects.filter(task__care_plan=second, kind=ActivityKind.CREATED).values_list(
            "body", flat=True
        )
    )
    assert notes == {"From template Diabetes starter (applied again: New episode after a hospital stay)"}


def test_a_revoked_plan_does_not_block_applying_its_template(client, coordinator, patient, template):
    client.force_login(coordinator)
    first = client.get(_url(patient), _picked(template))
    client.post(_url(patient), _save_data(first))
    CarePlan.objects.update(status="revoked")

    again = client.get(_url(patient), _picked(template))
    saved = client.post(_url(patient), _save_data(again))

    assert again.context["existing_plan"] is None
    assert saved.status_code == 302
    assert CarePlan.objects.count() == 2


def test_the_preview_says_which_step_waits_for_which(client, coordinator, patient, template):
    from careplans.models import TemplateTask

    welcome, review = TemplateTask.objects.filter(template=template).order_by("position")
    TemplateTask.objects.filter(pk=review.pk).update(depends_on=welcome)
    client.force_login(coordinator)

    page = client.get(_url(patient), _picked(template)).text

    assert "after “Welcome call”" in page
