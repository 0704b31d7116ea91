"""The status machine and the row-level steps every task action shares: the transitions
table (which status each move starts from, and the rule a refusal names), locking a row against
the version the user saw, saving with its history, and writing its timeline row. tasks.actions
is the only caller; it holds the rights and the rules of each action."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.errors import ActionError, RuleViolation
from tasks.choices import OPEN_STATUSES, ActivityKind, Status
from tasks.models import Activity, Task


class VersionConflict(ActionError):
    rule = "version-conflict"

    def __init__(self, *, current: Task, changed_by: str):
        super().__init__(
            f"This task was changed by {changed_by} while you were looking at it. "
            "Reload to see the current version; nothing you entered was saved.",
        )
        self.current = current
        self.changed_by = changed_by


@dataclass(frozen=True)
class Transition:
    name: str
    allowed_from: tuple[str, ...]
    to: str
    rule: str


START = Transition("start", (Status.NEW,), Status.IN_PROGRESS, "start-only-from-new")
WAIT = Transition(
    "wait", (Status.NEW, Status.IN_PROGRESS), Status.WAITING, "wait-only-from-new-or-in-progress"
)
RESUME = Transition("resume", (Status.WAITING,), Status.IN_PROGRESS, "resume-only-from-waiting")
COMPLETE = Transition("complete", OPEN_STATUSES, Status.COMPLETED, "complete-only-open-tasks")
CANCEL = Transition(
    "cancel", (Status.NEW, Status.IN_PROGRESS), Status.CANCELLED, "cancel-only-new-or-in-progress"
)
REOPEN = Transition("reopen", (Status.COMPLETED, Status.CANCELLED), Status.IN_PROGRESS, "reopen-only-closed")
REASSIGN_FROM = OPEN_STATUSES


def lock_row(task: Task, expected_version: int | None) -> Task:
    locked = Task.objects.select_for_update().select_related("patient").get(pk=task.pk)
    expected = task.version if expected_version is None else expected_version
    if locked.version != expected:
        # The latest history row is the last save; the latest Activity may be a note, which saves nothing.
        last = locked.history.select_related("history_user").first()
        editor = last.history_user if last else None
        who = (editor.get_full_name() or editor.username) if editor else "someone else"
        raise VersionConflict(current=locked, changed_by=who)
    return locked


def save_row(task: Task, *, by, reason: str) -> None:
    task.version += 1
    task._history_user = by
    task._change_reason = reason[:100] if reason else None
    task.save()


def record(task: Task, *, kind: str, by, **fields) -> Activity:
    return Activity.objects.create(
        task=task, patient_id=task.patient_id, care_team_id=task.care_team_id, kind=kind, actor=by, **fields
    )


def status_since(task: Task):
    """When `task` entered its current status: its latest status event (one index probe)."""
    return (
        Activity.objects.filter(task=task, kind__in=(ActivityKind.CREATED, ActivityKind.STATUS_CHANGE))
        .order_by("-created_at", "-pk")
        .values_list("created_at", flat=True)
        .first()
    )


def transition(task: Task, t: Transition, *, by, expected_version, reason: str = "", **changes) -> Task:
    locked = lock_row(task, expected_version)
    if locked.status not in t.allowed_from:
        allowed = ", ".join(Status(s).label for s in t.allowed_from)
        raise RuleViolation(
            f"Cannot {t.name} a task that is {locked.get_status_display()}: only {allowed} tasks can.",
            rule=t.rule,
        )
    from_status = locked.status
    since = status_since(locked) or locked.created_at
    locked.status = t.to
    for field, value in changes.items():
        setattr(locked, field, value)
    save_row(locked, by=by, reason=reason or t.name)
    record(
        locked,
        kind=ActivityKind.STATUS_CHANGE,
        by=by,
        from_status=from_status,
        from_status_since=since,
        to_status=t.to,
        body=reason,
    )
    return locked


def resume_and_cancel(task: Task, *, by, reason: str, expected_version: int | None) -> Task:
    """Cancel `task`, resuming it first if it is Waiting, each step with its timeline row. The
    status read is the caller's copy: had it changed, the version check of the first step refuses."""
    if task.status == Status.WAITING:
        task = transition(
            task,
            RESUME,
            by=by,
            expected_version=expected_version,
            reason=reason,
            waiting_reason="",
            waiting_until=None,
        )
        expected_version = None  # the resumed row, just saved under this lock
    return transition(task, CANCEL, by=by, expected_version=expected_version, reason=reason, outcome=reason)
