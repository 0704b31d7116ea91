"""The invariants the demo and the scale practice are held to can fail: a date outside its window
is reported, a manager's long wait is not."""

from tasks.actions import wait_task
from tasks.choices import WaitingReason
from tasks.models import Task
from tests.demo.invariants import violations
from tests.factories import TaskFactory, in_days


def test_dates_outside_their_windows_are_reported(patient, coordinator, manager):
    far = TaskFactory(patient=patient, owner=coordinator)
    long_wait = TaskFactory(patient=patient, owner=coordinator)
    wait_task(long_wait, by=coordinator, reason=WaitingReason.LAB_RESULT, until=in_days(30))
    managed_wait = TaskFactory(patient=patient, owner=coordinator)
    wait_task(managed_wait, by=manager, reason=WaitingReason.PRIOR_AUTH, until=in_days(300))
    # Written past the actions, as a careless bulk loader would.
    Task.objects.filter(pk=far.pk).update(due_on=in_days(10 * 365))
    Task.objects.filter(pk=long_wait.pk).update(waiting_until=in_days(300))

    found = violations()

    assert [line.split(":")[0] for line in found] == [
        "a due date outside its window (careplans.dates)",
        "a wait past 180 days set by someone who does not manage the team",
    ]
    assert f"task {far.pk}" in found[0] and f"task {long_wait.pk}" in found[1]
