"""The demo practice is lived through the actions: every task's timeline is one the actions
write, and a coordinator opening the app today finds a believable day's work."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from careplans.models import DueUnit, Patient
from dashboards.models import MetricSnapshot, SnapshotDay
from demo import load
from notifications.models import Notification
from tasks.choices import OPEN_STATUSES, ActivityKind, Status
from tasks.models import Activity, Task
from tests.demo.invariants import violations


@pytest.fixture
def demo(db):
    # A fifth of the demo: the same days and the same people, less work to replay.
    result = load.seed_demo(patients=40, log=lambda *_: None)
    assert result.loaded
    return result


def test_every_task_has_the_timeline_the_actions_write(demo):
    assert violations() == []
    kinds = set(Activity.objects.values_list("kind", flat=True))
    assert kinds >= {
        ActivityKind.CREATED,
        ActivityKind.STATUS_CHANGE,
        ActivityKind.CONTACT_ATTEMPT,
        ActivityKind.REASSIGNMENT,
        ActivityKind.RESCHEDULE,
        ActivityKind.ESCALATION,
    }
    assert set(Task.objects.values_list("status", flat=True)) == set(Status.values)
    # People did the work, each as themselves; only jobs act as the system.
    changes = Activity.objects.filter(kind=ActivityKind.STATUS_CHANGE)
    assert not changes.filter(actor=None).exists()
    assert Task.objects.filter(status=Status.COMPLETED).exclude(completed_by_id=None).count() == (
        Task.objects.filter(status=Status.COMPLETED).count()
    )
    # The post-visit call comes within 2 business days of the visit: never on a weekend.
    calls = Task.objects.filter(template_task__due_offset_unit=DueUnit.BUSINESS_DAYS, occurrence=1)
    assert calls.exists()
    assert {due.weekday() for due in calls.values_list("due_on", flat=True)} <= {0, 1, 2, 3, 4}


def test_a_coordinator_opens_a_believable_day(demo):
    today = timezone.localdate()
    created = [timezone.localtime(t).date() for t in Task.objects.values_list("created_at", flat=True)]
    assert min(created) >= today - dt.timedelta(days=load.DAYS)
    assert max(created) <= today
    assert len(set(created)) > 60
    history_days = {timezone.localtime(d).date() for d in Task.history.values_list("history_date", flat=True)}
    assert len(history_days) > 60
    assert not Task.objects.filter(completed_at__gt=timezone.now()).exists()

    open_tasks = Task.objects.filter(status__in=OPEN_STATUSES)
    overdue = open_tasks.filter(due_on__lt=today).exclude(status=Status.WAITING)
    assert overdue.exists()
    # Mostly days late, not months: nearly all work due weeks ago was closed.
    assert overdue.filter(due_on__gte=today - dt.timedelta(days=14)).count() > overdue.count() / 2
    assert open_tasks.filter(due_on__gt=today).exists()
    assert open_tasks.filter(status=Status.WAITING).exists()
    past = Task.objects.filter(due_on__lt=today - dt.timedelta(days=14))
    assert past.filter(status=Status.COMPLETED).count() > 0.8 * past.count()
    assert Notification.objects.filter(read_at=None, day__gte=today - dt.timedelta(days=14)).exists()
    # The trend's days, the last TREND_DAYS; the practice was lived longer, so its first day
    # already carries a backlog instead of climbing from an empty practice.
    first = today - dt.timedelta(days=load.TREND_DAYS - 1)
    assert list(SnapshotDay.objects.values_list("day", flat=True)) == [
        first + dt.timedelta(days=n) for n in range(load.TREND_DAYS)
    ]
    assert MetricSnapshot.objects.filter(day=first, backlog__gt=0).exists()

    # MRNs as an EHR's: the pages print "MRN " before them.
    mrns = list(Patient.objects.values_list("mrn", flat=True))
    assert all(re.fullmatch(r"\d{7,8}", mrn) for mrn in mrns)
    assert len(set(mrns)) == len(mrns)

    # Restricted records are open to their provider and the owners of their tasks.
    restricted = list(Patient.objects.filter(is_restricted=True))
    assert restricted
    for patient in restricted:
        people = {patient.primary_provider, *(task.owner for task in patient.tasks.select_related("owner"))}
        for person in people:
            assert Patient.objects.visible_to(person).filter(pk=patient.pk).exists(), person


def test_loading_again_skips_with_if_empty_and_refuses_without_force(task):
    assert not load.seed_demo(if_empty=True, log=lambda *_: None).loaded
    with pytest.raises(load.DemoRefused):
        load.seed_demo(log=lambda *_: None)
    assert Patient.objects.count() == 1


def test_the_demo_admin_holds_the_admin_role_and_front_desk_owns_only_its_kinds(demo):
    from accounts.models import User
    from accounts.roles import Role
    from tasks.choices import FRONT_DESK_KINDS

    admin = User.objects.get(username="admin")
    assert (admin.is_staff, admin.is_superuser) == (True, False)
    assert [g.name for g in admin.groups.all()] == [Role.ADMIN]
    assert not User.objects.filter(is_superuser=True).exists()
    front_desk_work = Task.objects.filter(owner__groups__name=Role.FRONT_DESK)
    assert front_desk_work.exists()
    assert not front_desk_work.exclude(kind__in=FRONT_DESK_KINDS).exists()


def test_the_demo_has_consented_ccm_patients_with_a_spread_of_minutes(demo):
    """Patients on a CCM plan consented, with last month's minutes spread from short of 20 to
    billable, every entry authored (history) and counted in its month's total."""
    from ccm.models import Consent, MonthTotal, TimeEntry
    from ccm.months import current_month, previous_month

    assert Consent.objects.filter(revoked_on__isnull=True).count() >= 3
    last = sorted(
        MonthTotal.objects.filter(month=previous_month(current_month())).values_list("clinical", flat=True)
    )
    assert any(m < 20 for m in last) and any(m >= 20 for m in last)
    entry = TimeEntry.objects.first()
    assert entry.history.first().history_user == entry.author
