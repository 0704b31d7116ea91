"""Assertions shared by the action and view tests."""

from contextlib import contextmanager

from tasks.models import Activity, Task


def task_state(task: Task) -> tuple:
    """Everything a refused change must leave alone: the row, its timeline and its history."""
    return (
        Task.objects.values().get(pk=task.pk),
        list(Activity.objects.filter(task_id=task.pk).values_list("pk", flat=True)),
        list(Task.history.filter(id=task.pk).values_list("history_id", flat=True)),
    )


@contextmanager
def changes_nothing(task: Task):
    before = task_state(task)
    yield
    after = task_state(task)
    assert after[0] == before[0], "the task row changed"
    assert after[1] == before[1], "an Activity was written"
    assert after[2] == before[2], "a history row was written"


@contextmanager
def creates_nothing():
    counts = (Task.objects.count(), Activity.objects.count(), Task.history.count())
    yield
    assert (Task.objects.count(), Activity.objects.count(), Task.history.count()) == counts


def last_activity(task: Task) -> Activity:
    return Activity.objects.filter(task_id=task.pk).order_by("-pk").first()


def new_activities(task: Task, since: int):
    """Activities of `task` with a pk above `since`, oldest first."""
    return list(Activity.objects.filter(task_id=task.pk, pk__gt=since).order_by("pk"))


def activity_mark() -> int:
    last = Activity.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0
