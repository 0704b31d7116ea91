"""What tasks.actions guarantee for every task, checked over a whole loaded practice: the demo
(made through the actions) and the scale practice (bulk-written, and bound to write the same).

`violations()` returns one line per broken rule and task (at most a few per rule), so a failing
test says what is wrong where; an empty list means the practice could have come from the
actions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from itertools import islice, pairwise

from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.models import CareTeamUserObjectPermission
from accounts.scope import MANAGE, is_active_member
from careplans.dates import WAIT_DAYS_AHEAD, due_date_problem
from tasks.choices import ActivityKind, Status
from tasks.models import Activity, Task

SHOWN = 5  # examples per rule


def violations() -> list[str]:
    found: list[str] = []
    for rule, bad in _rules():
        examples = list(islice(bad, SHOWN))
        found += [f"{rule}: {example}" for example in examples]
    return found


def _rules():
    yield (
        "a task without exactly one 'created' activity",
        _tasks_without(Count("activities", filter=Q(activities__kind=ActivityKind.CREATED), distinct=True)),
    )
    made = Counter(Task.history.filter(history_type="+").values_list("id", flat=True))
    yield (
        "a task without exactly one '+' history row",
        (f"task {pk}: {made[pk]}" for pk in Task.objects.values_list("pk", flat=True) if made[pk] != 1),
    )
    yield (
        "an activity with another patient than its task's",
        Activity.objects.exclude(patient_id=F("task__patient_id")).values_list("pk", "task_id"),
    )
    yield (
        "an activity with another care team than its task's",
        Activity.objects.exclude(care_team_id=F("task__care_team_id")).values_list("pk", "task_id"),
    )
    yield (
        "a completed task without outcome, completed_at or completed_by",
        Task.objects.filter(
            Q(outcome="") | Q(completed_at=None) | Q(completed_by=None), status=Status.COMPLETED
        ).values_list("pk", flat=True),
    )
    yield (
        "a waiting task without reason or waiting-until",
        Task.objects.filter(Q(waiting_reason="") | Q(waiting_until=None), status=Status.WAITING).values_list(
            "pk", flat=True
        ),
    )
    yield (
        "an owner who is not an active member of the task's care team",
        (
            f"owner {owner} team {team}"
            for owner, team in Task.objects.values_list("owner_id", "care_team_id").distinct()
            if not is_active_member(owner, team)
        ),
    )
    yield "a status change that does not follow the previous status event", _broken_chains()
    yield "a due date outside its window (careplans.dates)", _due_dates_out_of_window()
    yield "a wait past 180 days set by someone who does not manage the team", _waits_too_long()


def _tasks_without(count):
    return Task.objects.annotate(n=count).exclude(n=1).values_list("pk", "n")


def _broken_chains():
    """Status events in order (created, then each status change): each change leaves the status
    the previous event entered, and dates it from that event; the last one is the task's status."""
    events = defaultdict(list)
    rows = (
        Activity.objects.filter(kind__in=(ActivityKind.CREATED, ActivityKind.STATUS_CHANGE))
        .order_by("task_id", "created_at", "pk")
        .values_list("task_id", "kind", "from_status", "to_status", "from_status_since", "created_at")
    )
    for task_id, *event in rows:
        events[task_id].append(event)
    for task_id, status in Task.objects.values_list("pk", "status"):
        chain = events.get(task_id, [])
        for previous, (kind, from_status, _, since, at) in pairwise(chain):
            if kind == ActivityKind.CREATED:
                yield f"task {task_id}: a second 'created' event at {at}"
            elif from_status != previous[2] or since != previous[4]:
                yield (
                    f"task {task_id}: {from_status} since {since} at {at}, "
                    f"but the previous event entered {previous[2]} at {previous[4]}"
                )
        if chain and chain[-1][2] != status:
            yield f"task {task_id}: status {status}, but its last status event entered {chain[-1][2]}"


def _due_dates_out_of_window():
    """As the actions judged it: not before a year before the plan's start (without a plan, the
    day the task was made), not past five years after the task's last change."""
    rows = Task.objects.values_list("pk", "due_on", "created_at", "updated_at", "care_plan__starts_on")
    for pk, due, created, updated, plan_start in rows.iterator():
        since = plan_start or timezone.localdate(created)
        problem = due_date_problem(due, today=timezone.localdate(updated), plan_start=since)
        if problem:
            yield f"task {pk}: due {due}: {problem}"


def _waits_too_long():
    managers = set(
        CareTeamUserObjectPermission.objects.filter(permission__codename=MANAGE).values_list(
            "user_id", "content_object_id"
        )
    )
    waits = (
        Activity.objects.filter(
            kind=ActivityKind.STATUS_CHANGE, to_status=Status.WAITING, task__status=Status.WAITING
        )
        .order_by("task_id", "-created_at", "-pk")
        .values_list("task_id", "actor_id", "care_team_id", "created_at", "task__waiting_until")
    )
    seen = set()
    for task_id, actor_id, team_id, at, until in waits.iterator():
        if task_id in seen:
            continue  # an earlier wait of the same task
        seen.add(task_id)
        limit = timezone.localdate(at) + timedelta(days=WAIT_DAYS_AHEAD)
        if until > limit and actor_id is not None and (actor_id, team_id) not in managers:
            yield f"task {task_id}: waits until {until}, set on {timezone.localdate(at)}"
