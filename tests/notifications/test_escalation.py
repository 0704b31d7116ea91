import datetime

import pytest
from django.contrib.auth.models import Group

from accounts.roles import Role
from careplans.models import RiskLevel
from notifications import actions, escalation
from notifications.models import EscalationPolicy, Kind
from tasks import actions as task_actions
from tasks.choices import ActivityKind, Status, TaskKind
from tasks.models import Activity, Task
from tests.factories import CarePlanFactory, PatientFactory, ProgramFactory, TaskFactory, member
from tests.notifications.conftest import keys


def _ago(today, n: int) -> datetime.date:
    return today - datetime.timedelta(days=n)


@pytest.fixture
def policies(db):
    """Only the seeded defaults: practice-wide 3 then 7 days, high risk 1 then 3 days."""
    assert {
        (p.program_id, p.risk_level): (p.first_level_after_days, p.second_level_after_days)
        for p in EscalationPolicy.objects.all()
    } == {(None, ""): (3, 7), (None, RiskLevel.HIGH): (1, 3)}


def _escalations():
    return sorted((who, task_id, level) for who, task_id, kind, level, _ in keys(Kind.ESCALATION))


def test_task_overdue_past_the_threshold_goes_to_the_team_manager(
    policies, patient, coordinator, manager, today
):
    past = TaskFactory(patient=patient, owner=coordinator, due_on=_ago(today, 4))
    at = TaskFactory(patient=patient, owner=coordinator, due_on=_ago(today, 3))  # 3 days: not more than 3
    version = past.version

    actions.escalate_overdue(today=today)

    assert _escalations() == [("manager", past.pk, 1)]
    past.refresh_from_db()
    at.refresh_from_db()
    assert (past.escalation_level, past.version, at.escalation_level) == (1, version, 0)
    activity = Activity.objects.get(task=past, kind=ActivityKind.ESCALATION)
    assert activity.actor is None
    assert activity.body == "Overdue more than 3 days: escalated to level 1"
    history = past.history.latest()
    assert (history.history_user, history.history_type, history.escalation_level) == (None, "~", 1)
    assert history.history_change_reason == "Overdue more than 3 days: escalated to level 1"
    assert history.status == past.status and history.owner_id == past.owner_id


def test_high_risk_escalates_sooner(policies, team, provider, coordinator, manager, today):
    high = PatientFactory(care_team=team, risk_level=RiskLevel.HIGH)
    low = PatientFactory(care_team=team, risk_level=RiskLevel.LOW)
    urgent = TaskFactory(patient=high, owner=coordinator, due_on=_ago(today, 2))
    TaskFactory(patient=low, owner=coordinator, due_on=_ago(today, 2))

    actions.escalate_overdue(today=today)

    assert _escalations() == [("manager", urgent.pk, 1)]


def test_renaming_the_second_level_role_still_reaches_its_members(
    policies, patient, coordinator, manager, provider, today
):
    task = TaskFactory(patient=patient, owner=coordinator, kind=TaskKind.LAB, due_on=_ago(today, 8))
    Group.objects.filter(name=Role.PROVIDER).update(name="Physicians and NPs")

    actions.escalate_overdue(today=today)

    assert ("provider", task.pk, 2) in _escalations()


def test_providers_hear_of_clinical_work_only_unless_the_policy_says_every_kind(
    policies, patient, coordinator, manager, provider, today
):
    lab = TaskFactory(patient=patient, owner=coordinator, kind=TaskKind.LAB, due_on=_ago(today, 8))
    call = TaskFactory(patient=patient, owner=coordinator, kind=TaskKind.OUTREACH_CALL, due_on=_ago(today, 8))

    actions.escalate_overdue(today=today)

    # The call is raised to level 2 all the same (its timeline says so); the provider is spared
    # it, and the team's manager hears of its second level instead.
    assert _escalations() == sorted(
        [("manager", lab.pk, 1), ("manager", call.pk, 1), ("provider", lab.pk, 2), ("manager", call.pk, 2)]
    )
    call.refresh_from_db()
    assert call.escalation_level == 2

    EscalationPolicy.objects.filter(risk_level="").update(providers_hear_every_kind=True)
    later = TaskFactory(patient=patient, owner=coordinator, kind=TaskKind.SCHEDULING, due_on=_ago(today, 8))
    actions.escalate_overdue(today=today)
    assert ("provider", later.pk, 2) in _escalations()


def test_a_manager_who_is_also_a_provider_hears_of_every_kind_as_manager(
    policies, patient, coordinator, manager, today
):
    manager.groups.add(Group.objects.get(name=Role.PROVIDER))
    call = TaskFactory(patient=patient, owner=coordinator, kind=TaskKind.OUTREACH_CALL, due_on=_ago(today, 4))

    actions.escalate_overdue(today=today)

    assert _escalations() == [("manager", call.pk, 1)]


def test_second_level_goes_to_the_configured_role_in_the_team(
    policies, patient, coordinator, manager, provider, today
):
    task = TaskFactory(patient=patient, owner=coordinator, kind=TaskKind.REFERRAL, due_on=_ago(today, 8))
    member(Role.PROVIDER, patient.care_team, username="other_provider")

    actions.escalate_overdue(today=today)

    assert _escalations() == [
        ("manager", task.pk, 1),
        ("other_provider", task.pk, 2),
        ("provider", task.pk, 2),
    ]
    task.refresh_from_db()
    assert task.escalation_level == 2
    assert Activity.objects.filter(task=task, kind=ActivityKind.ESCALATION).count() == 2

    EscalationPolicy.objects.filter(risk_level="").update(
        second_level_group=Group.objects.get(name=Role.MANAGER)
    )
    task2 = TaskFactory(patient=patient, owner=coordinator, due_on=_ago(today, 8))
    actions.escalate_overdue(today=today)
    assert ("manager", task2.pk, 2) in _escalations()


def test_running_escalation_again_escalates_nothing(policies, patient, coordinator, manager, today):
    task = TaskFactory(patient=patient, owner=coordinator, due_on=_ago(today, 5))
    first = actions.escalate_overdue(today=today)

    again = actions.escalate_overdue(today=today)
    later = actions.escalate_overdue(today=today + datetime.timedelta(days=1))

    assert (len(first), again, later) == (1, [], [])
    assert Activity.objects.filter(task=task, kind=ActivityKind.ESCALATION).count() == 1


def test_completed_or_waiting_tasks_do_not_escalate(policies, patient, coordinator, manager, today):
    done = TaskFactory(patient=patient, owner=coordinator, due_on=_ago(today, 5))
    task_actions.complete_task(done, by=coordinator, outcome="Reached")
    TaskFactory(patient=patient, owner=coordinator, due_on=_ago(today, 5), status=Status.WAITING)

    assert actions.escalate_overdue(today=today) == []
    assert not Task.objects.filter(escalation_level__gt=0).exists()


def test_waiting_task_whose_wait_ended_escalates(policies, patient, coordinator, manager, today):
    task = TaskFactory(patient=patient, owner=coordinator, due_on=_ago(today, 5), status=Status.WAITING)
    Task.objects.filter(pk=task.pk).update(waiting_until=_ago(today, 1))  # the wait has since ended

    actions.escalate_overdue(today=today)

    assert _escalations() == [("manager", task.pk, 1)]


def test_task_reassigned_before_escalation_escalates_once_to_the_manager(
    policies, patient, coordinator, colleague, manager, today
):
    task = TaskFactory(patient=patient, owner=coordinator, due_on=_ago(today, 4))
    task_actions.reassign_task(task, by=coordinator, to=colleague, reason="Going on leave")

    actions.escalate_overdue(today=today)
    actions.escalate_overdue(today=today)

    assert _escalations() == [("manager", task.pk, 1)]
    task.refresh_from_db()
    assert (task.owner, task.escalation_level) == (colleague, 1)


def test_managers_of_other_teams_and_inactive_managers_hear_nothing(
    policies, patient, coordinator, manager, other_manager, today
):
    manager.is_active = False
    manager.save()
    task = TaskFactory(patient=patient, owner=coordinator, due_on=_ago(today, 4))

    actions.escalate_overdue(today=today)

    task.refresh_from_db()
    assert task.escalation_level == 1  # escalated all the same: the dashboard shows it
    assert _escalations() == []


def test_program_policy_wins_over_the_practice_default(policies, patient, coordinator, manager, today):
    program = ProgramFactory(code="post-discharge")
    EscalationPolicy.objects.create(program=program, first_level_after_days=0)
    plan = CarePlanFactory(patient=patient, program=program)
    in_program = TaskFactory(patient=patient, owner=coordinator, care_plan=plan, due_on=_ago(today, 1))
    ad_hoc = TaskFactory(patient=patient, owner=coordinator, due_on=_ago(today, 1))
    other_plan = CarePlanFactory(patient=patient, program=ProgramFactory(code="diabetes"))
    elsewhere = TaskFactory(patient=patient, owner=coordinator, care_plan=other_plan, due_on=_ago(today, 4))

    actions.escalate_overdue(today=today)

    assert _escalations() == sorted([("manager", in_program.pk, 1), ("manager", elsewhere.pk, 1)])
    assert Task.objects.get(pk=ad_hoc.pk).escalation_level == 0


def test_one_step_per_level_and_recipient_whatever_the_thresholds(policies):
    steps = escalation.steps(list(EscalationPolicy.objects.all()))

    assert [(s.level, s.role, [t.after_days for t in s.thresholds]) for s in steps] == [
        (1, None, [1, 3]),
        (2, Group.objects.get(name=Role.PROVIDER).pk, [3, 7]),
    ]


def test_each_task_records_its_own_threshold(policies, team, coordinator, manager, today):
    high = TaskFactory(
        patient=PatientFactory(care_team=team, risk_level=RiskLevel.HIGH),
        owner=coordinator,
        due_on=_ago(today, 2),
    )
    low = TaskFactory(
        patient=PatientFactory(care_team=team, risk_level=RiskLevel.LOW),
        owner=coordinator,
        due_on=_ago(today, 4),
    )

    actions.escalate_overdue(today=today)

    bodies = dict(Activity.objects.filter(kind=ActivityKind.ESCALATION).values_list("task_id", "body"))
    assert bodies == {
        high.pk: "Overdue more than 1 day: escalated to level 1",
        low.pk: "Overdue more than 3 days: escalated to level 1",
    }
    assert high.history.latest().history_change_reason == bodies[high.pk]


def test_no_policy_means_no_escalation(patient, coordinator, manager, today):
    EscalationPolicy.objects.all().delete()
    TaskFactory(patient=patient, owner=coordinator, due_on=_ago(today, 30))

    assert actions.escalate_overdue(today=today) == []


def test_a_step_waiting_for_an_earlier_open_one_is_left_to_that_one(
    policies, patient, coordinator, colleague, manager, today
):
    earlier = TaskFactory(patient=patient, owner=colleague, due_on=_ago(today, 10))
    blocked = TaskFactory(patient=patient, owner=coordinator, due_on=_ago(today, 10), depends_on=earlier)

    actions.escalate_overdue(today=today)

    assert [task_id for _, task_id, _ in _escalations()] == [earlier.pk, earlier.pk]
    blocked.refresh_from_db()
    assert blocked.escalation_level == 0

    task_actions.complete_task(earlier, by=colleague, outcome="Done")
    actions.escalate_overdue(today=today)
    assert blocked.pk in [task_id for _, task_id, _ in _escalations()]
