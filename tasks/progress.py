"""How far a care plan's tasks have got (done, open, overdue), read for every plan of a patient
in one query, and when a plan is ready to be completed: the last of its tasks has closed and no
recurring series of it is about to make another. The plan is then proposed for completion,
never completed automatically: its provider decides (the plan may need a step no task holds)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q

from careplans.models import ENDED_PLAN_STATUSES, CarePlan
from tasks import rowsets
from tasks.choices import Status
from tasks.models import Task
from tasks.recurrence import continuing_series, without_next_occurrence


@dataclass(frozen=True)
class PlanProgress:
    done: int = 0
    cancelled: int = 0
    open: int = 0
    overdue: int = 0
    # Completed occurrences of a series that goes on, whose next occurrence is not made yet (the
    # worker makes it a moment after the completion commits): work still to come.
    next_to_come: int = 0

    @property
    def planned(self) -> int:
        """The tasks the plan still counts on: all but the cancelled."""
        return self.done + self.open

    @property
    def all_closed(self) -> bool:
        return self.done + self.cancelled > 0 and not self.open and not self.next_to_come


def plan_progress(tasks, today: datetime.date) -> dict[int, PlanProgress]:
    """Per care plan id, the progress of `tasks` (say a patient's visible tasks): one query,
    whatever the number of plans and tasks. The windows are tasks.rowsets'."""
    to_come = without_next_occurrence(continuing_series(tasks.filter(status=Status.COMPLETED)))
    rows = (
        tasks.filter(care_plan__isnull=False)
        .order_by()
        .values("care_plan")
        .annotate(
            done=Count("pk", filter=Q(status=Status.COMPLETED)),
            cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
            open=Count("pk", filter=rowsets.OPEN),
            overdue=Count("pk", filter=rowsets.overdue_q(today)),
            next_to_come=Count("pk", filter=Q(pk__in=to_come.values("pk"))),
        )
    )
    return {row.pop("care_plan"): PlanProgress(**row) for row in rows}


def proposed(plan: CarePlan, progress: PlanProgress | None) -> bool:
    """Whether to propose completing `plan`: it still runs and its last task has closed."""
    return plan.status not in ENDED_PLAN_STATUSES and progress is not None and progress.all_closed


def plan_to_complete(task: Task, *, user, today: datetime.date) -> CarePlan | None:
    """The plan of `task` when closing `task` left it nothing open, for someone who sees plans:
    what the task panel and the flash after a completion or cancellation propose to complete.
    One query, and only for a closed task of a running plan."""
    if not (task.care_plan_id and task.is_closed and user.has_perm("careplans.view_careplan")):
        return None
    plan = task.care_plan
    if plan.status in ENDED_PLAN_STATUSES:
        return None
    progress = plan_progress(Task.objects.filter(care_plan=plan), today).get(plan.pk)
    return plan if proposed(plan, progress) else None
