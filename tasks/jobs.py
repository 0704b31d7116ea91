"""Background work of the tasks app. Celery tasks here take ids and call tasks.actions; the
schedule is in config/celery.py."""

import datetime

from celery import shared_task
from django.utils import timezone

from tasks import recurrence
from tasks.models import Task


@shared_task(ignore_result=True)
def create_next_occurrence(task_id: int) -> int:
    """Queued by complete_task after its commit: the completed task's next occurrence."""
    return len(recurrence.create_next_occurrences(Task.objects.filter(pk=task_id)))


@shared_task(ignore_result=True)
def create_due_occurrences(today: str | None = None) -> int:
    """Beat: recurring tasks that fell due get their next occurrence. `today` (ISO date)
    replays a given day; by default the practice's today."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    return recurrence.create_due_occurrences(today=day)
