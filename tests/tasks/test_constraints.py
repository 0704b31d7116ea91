"""What the database itself guarantees about tasks, even for code that bypasses the actions
(Task.objects.create, bulk_create). Each violation runs in its own savepoint."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tasks.choices import Status, WaitingReason
from tasks.models import Task
from tests.factories import CarePlanFactory, TemplateTaskFactory, in_days


@pytest.fixture
def row(patient, coordinator):
    """The fields of a valid New task; each test breaks one rule."""

    def make(**overrides):
        fields = {
            "patient": patient,
            "care_team": patient.care_team,
            "owner": coordinator,
            "title": "Raw row",
            "due_on": in_days(3),
        }
        return {**fields, **overrides}

    return make


def _refused(match: str):
    """The IntegrityError must name the rule: the constraint, or the column on SQLite NOT NULLs."""
    return pytest.raises(IntegrityError, match=match)


def test_a_valid_raw_row_is_accepted(row):
    Task.objects.create(**row())
    Task.objects.bulk_create([Task(**row(title="second"))])

    assert Task.objects.count() == 2


def test_task_without_owner_fails_at_the_database(row):
    with _refused("owner_id"), transaction.atomic():
        Task.objects.create(**row(owner=None))
    with _refused("owner_id"), transaction.atomic():
        Task.objects.bulk_create([Task(**row(owner=None))])
    assert not Task.objects.exists()


def test_task_without_due_date_fails_at_the_database(row):
    with _refused("due_on"), transaction.atomic():
        Task.objects.create(**row(due_on=None))
    with _refused("due_on"), transaction.atomic():
        Task.objects.bulk_create([Task(**row(due_on=None))])
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    "waiting",
    [
        {"waiting_reason": "", "waiting_until": in_days(2)},
        {"waiting_reason": WaitingReason.LAB_RESULT, "waiting_until": None},
    ],
)
def test_waiting_without_reason_or_until_date_fails(row, waiting):
    with _refused("task_waiting_has_reason_and_until"), transaction.atomic():
        Task.objects.create(**row(status=Status.WAITING, **waiting))


def test_waiting_with_reason_and_date_is_accepted(row):
    waiting = {"status": Status.WAITING, "waiting_reason": WaitingReason.OTHER, "waiting_until": in_days(1)}
    Task.objects.create(**row(**waiting))
    Task.objects.bulk_create([Task(**row(title="second", **waiting))])

    assert Task.objects.filter(**waiting).count() == 2


@pytest.mark.parametrize(
    "completion", [{"outcome": "", "completed_at": timezone.now()}, {"outcome": "Done", "completed_at": None}]
)
def test_completed_without_outcome_or_completion_time_fails(row, completion):
    with _refused("task_completed_has_outcome"), transaction.atomic():
        Task.objects.create(**row(status=Status.COMPLETED, **completion))


def test_cancelled_without_reason_fails(row):
    with _refused("task_cancelled_has_reason"), transaction.atomic():
        Task.objects.create(**row(status=Status.CANCELLED, outcome=""))


def test_unknown_status_fails(row):
    with _refused("task_status_valid"), transaction.atomic():
        Task.objects.create(**row(status="done"))


def test_recurrence_interval_must_be_positive(row):
    with _refused("task_recurrence_positive"), transaction.atomic():
        Task.objects.create(**row(recurrence_days=0))


def test_generated_task_exists_once_per_plan_template_step_and_occurrence(row, patient):
    plan = CarePlanFactory(patient=patient)
    step = TemplateTaskFactory()
    Task.objects.create(**row(care_plan=plan, template_task=step, occurrence=1))
    Task.objects.create(**row(care_plan=plan, template_task=step, occurrence=2))

    with _refused("task_generated_once_per_plan_occurrence|tasks_task.care_plan_id"), transaction.atomic():
        Task.objects.bulk_create([Task(**row(care_plan=plan, template_task=step, occurrence=1))])
    assert Task.objects.filter(template_task=step).count() == 2


def test_ad_hoc_tasks_on_a_plan_are_not_limited(row, patient):
    plan = CarePlanFactory(patient=patient)

    Task.objects.bulk_create([Task(**row(care_plan=plan)), Task(**row(care_plan=plan))])

    assert plan.tasks.count() == 2
