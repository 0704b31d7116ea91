"""All factories of the suite. Tasks are born through tasks.actions.create_task and moved through
the status machine by the actions, never by assigning `.status`."""

import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.models import CareTeam, Location, User
from accounts.roles import Role
from careplans.models import (
    Appointment,
    CarePlan,
    CarePlanStatus,
    CarePlanTemplate,
    Enrollment,
    Goal,
    Patient,
    Program,
    TemplateTask,
)
from tasks import actions
from tasks.choices import Status, TaskKind, WaitingReason
from tasks.models import Task


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Clinic {n}")


class CareTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareTeam

    name = factory.Sequence(lambda n: f"Team {n}")
    location = factory.SubFactory(LocationFactory)


class UserFactory(factory.django.DjangoModelFactory):
    """`roles=[Role.COORDINATOR]` puts the user in the seeded groups (`groups=[...]` in any
    other); `works_in=team` and `manages=team` grant the guardian team rights."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Staff{n}")
    last_name = "Member"
    email = factory.LazyAttribute(lambda u: f"{u.username}@clinic.test")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            self.groups.add(Group.objects.get(name=role))

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for group in extracted or ():
            self.groups.add(group)

    @factory.post_generation
    def works_in(self, create, extracted, **kwargs):
        if extracted is not None:
            assign_perm("accounts.work_in_careteam", self, extracted)

    @factory.post_generation
    def manages(self, create, extracted, **kwargs):
        if extracted is not None:
            assign_perm("accounts.manage_careteam", self, extracted)


def member(role: Role, team: CareTeam, **kwargs) -> User:
    """A user holding `role` who works in `team`; managers also manage it."""
    if role == Role.MANAGER:
        kwargs.setdefault("manages", team)
    return UserFactory(roles=[role], works_in=team, **kwargs)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"program-{n}")
    name = factory.Sequence(lambda n: f"Program {n}")


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = factory.Sequence(lambda n: f"Ient{n}")
    birth_date = datetime.date(1950, 5, 17)
    care_team = factory.SubFactory(CareTeamFactory)
    location = factory.LazyAttribute(lambda p: p.care_team.location)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    patient = factory.SubFactory(PatientFactory)
    program = factory.SubFactory(ProgramFactory)
    started_on = factory.LazyFunction(lambda: in_days(-30))


class CarePlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CarePlan

    patient = factory.SubFactory(PatientFactory)
    program = factory.SubFactory(ProgramFactory)
    status = CarePlanStatus.ACTIVE
    starts_on = factory.LazyFunction(lambda: in_days(-30))
    author = factory.LazyAttribute(lambda plan: member(Role.PROVIDER, plan.patient.care_team))
    interventions = "Titrate metformin; weekly glucose log review"


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    care_plan = factory.SubFactory(CarePlanFactory)
    description = "HbA1c below 7%"
    target = "by next quarter"


class CarePlanTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CarePlanTemplate

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Template {n}")


class TemplateTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplateTask

    template = factory.SubFactory(CarePlanTemplateFactory)
    title = factory.Sequence(lambda n: f"Template step {n}")
    kind = TaskKind.CHECK_IN
    # The role groups are seeded by accounts' data migration.
    assignee_group = factory.LazyFunction(lambda: Group.objects.get(name=Role.COORDINATOR))


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))
    kind = "Follow-up visit"


def drive_to(task: Task, status: str, *, by=None) -> Task:
    """Move a New task to `status` through the actions (by the system unless `by` is given)."""
    if status == Status.NEW:
        return task
    if status == Status.IN_PROGRESS:
        return actions.start_task(task, by=by)
    if status == Status.WAITING:
        return actions.wait_task(task, by=by, reason=WaitingReason.LAB_RESULT, until=in_days(3))
    if status == Status.COMPLETED:
        return actions.complete_task(task, by=by, outcome="Reached the patient; visit booked")
    if status == Status.CANCELLED:
        return actions.cancel_task(task, by=by, reason="Duplicate of another task")
    raise ValueError(status)


class TaskFactory(factory.django.DjangoModelFactory):
    """`TaskFactory(patient=p, owner=u, status=Status.WAITING)`: created by the system through
    create_task, then walked to `status` through the actions."""

    class Meta:
        model = Task

    patient = factory.SubFactory(PatientFactory)
    owner = factory.LazyAttribute(lambda t: member(Role.COORDINATOR, t.patient.care_team))
    title = factory.Sequence(lambda n: f"Follow-up call {n}")
    kind = TaskKind.OUTREACH_CALL
    due_on = factory.LazyFunction(lambda: in_days(7))

    @classmethod
    def _create(cls, model_class, *args, status=Status.NEW, by=None, **kwargs):
        task = actions.create_task(by=by, **kwargs)
        return drive_to(task, status)
