"""Recurring tasks: the next occurrence of a series, made by the system when one occurrence is
completed (tasks.actions.complete_task queues it) or falls due (the hourly job).

Exactly once and set-based: the previous occurrences are locked, then looked up for a next one in
a fresh statement, so the completion hook, the hourly job and a retry never make two, and a batch
costs a fixed number of statements.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.scope import active_members
from bulksql import PlusDays, id_set
from careplans.models import CarePlanStatus
from tasks.choices import ActivityKind, Status
from tasks.models import Activity, Task

log = logging.getLogger(__name__)


def continuing_series(tasks):
    """The recurring tasks of `tasks` whose series goes on past them: not cancelled, the next
    due date (one interval on) within the recurrence's end, and within an active care plan that
    has not ended by then. Annotated with that `next_due`."""
    return (
        tasks.filter(recurrence_days__isnull=False)
        .exclude(status=Status.CANCELLED)
        .annotate(next_due=PlusDays("due_on", "recurrence_days"))
        .filter(Q(recurrence_ends_on__isnull=True) | Q(recurrence_ends_on__gte=F("next_due")))
        .filter(
            Q(care_plan__isnull=True)
            | Q(care_plan__status=CarePlanStatus.ACTIVE, care_plan__ends_on__isnull=True)
            | Q(care_plan__status=CarePlanStatus.ACTIVE, care_plan__ends_on__gte=F("next_due"))
        )
    )


def without_next_occurrence(tasks):
    return tasks.filter(~Exists(Task.objects.filter(previous_occurrence=OuterRef("pk"))))


def create_next_occurrences(tasks, *, now: datetime.datetime | None = None) -> list[Task]:
    """The next occurrence of each task of `tasks` whose series goes on (continuing_series) and
    that has none yet, due one interval after it, by the system. It keeps its owner while they
    are an active member of the patient's care team, else goes to the team's first manager.

    Exactly once, for template tasks (care plan, template task, occurrence) and ad-hoc series
    alike: the previous occurrences are locked, then looked up for a next one in a fresh
    statement, so the completion hook, the hourly job and a retry never make two. Set-based: a
    fixed number of statements per batch."""
    now = now or timezone.now()
    with transaction.atomic():
        previous = list(
            continuing_series(Task.objects.filter(pk__in=tasks.values("pk")))
            .select_for_update(of=("self",))
            .select_related("patient")
            .order_by("pk")
        )
        if not previous:
            return []
        done = set(
            Task.objects.filter(previous_occurrence__in=id_set(t.pk for t in previous)).values_list(
                "previous_occurrence_id", flat=True
            )
        )
        previous = [t for t in previous if t.pk not in done]
        teams = active_members({t.patient.care_team_id for t in previous})
        made = []
        for prev in previous:
            team = teams[prev.patient.care_team_id]
            owner_id = prev.owner_id if prev.owner_id in team["members"] else team["manager"]
            if owner_id is None:
                log.warning(
                    "task %s: no active owner or manager in its care team for the next occurrence", prev.pk
                )
                continue
            made.append(
                Task(
                    patient_id=prev.patient_id,
                    care_plan_id=prev.care_plan_id,
                    template_task_id=prev.template_task_id,
                    occurrence=prev.occurrence + 1,
                    title=prev.title,
                    kind=prev.kind,
                    owner_id=owner_id,
                    care_team_id=prev.patient.care_team_id,
                    due_on=prev.due_on + datetime.timedelta(days=prev.recurrence_days),
                    priority=prev.priority,
                    previous_occurrence_id=prev.pk,
                    recurrence_days=prev.recurrence_days,
                    recurrence_ends_on=prev.recurrence_ends_on,
                    created_at=now,
                )
            )
        if not made:
            return []
        made = bulk_create_with_history(made, Task, default_change_reason="next occurrence", default_date=now)
        Activity.objects.bulk_create(
            Activity(
                task=task,
                patient_id=task.patient_id,
                care_team_id=task.care_team_id,
                kind=ActivityKind.CREATED,
                to_status=Status.NEW,
                to_owner_id=task.owner_id,
                body=f"Occurrence {task.occurrence} of a recurring task",
                created_at=now,
            )
            for task in made
        )
    return made


def create_due_occurrences(*, today: datetime.date, batch_size: int = 500, max_batches: int = 200) -> int:
    """Recurring tasks that fell due (due today or earlier) get their next occurrence even if
    nobody completed them, batch by batch in id order; a next occurrence that is itself due
    has a higher id, so a series behind by several intervals catches up in one run."""
    made, after = 0, 0
    for _ in range(max_batches):
        due = without_next_occurrence(continuing_series(Task.objects.filter(due_on__lte=today, pk__gt=after)))
        ids = list(due.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        made += len(create_next_occurrences(Task.objects.filter(pk__in=id_set(ids))))
        after = ids[-1]
    return made
