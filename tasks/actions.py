"""Every change to a task's status, owner or fields goes through one function here.

Each action: checks the actor's right (tasks.rights), checks the rule from the status table
(refusing with the rule's name), locks the row, compares versions (a stale copy is a conflict,
never an overwrite), saves, writes one Activity and one history row with the actor and the
reason, all in one transaction. `by=None` means the system (a scheduled job), which holds every
right. The status table and the row-level steps (lock, save, timeline row) are
tasks.transitions; escalation, set-based, is tasks.escalation; recurring series are made in
tasks.recurrence; the refusals are accounts.errors'.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from accounts.errors import ActionError, NotAllowed, RuleViolation  # noqa: F401  (ActionError: callers catch it here)
from careplans.dates import due_date_problem, waiting_until_problem
from careplans.models import Patient
from tasks.choices import (
    OPEN_STATUSES,
    ActivityKind,
    ContactOutcome,
    Priority,
    Status,
    TaskKind,
    WaitingReason,
)
from tasks.commit import publish_after_commit
from tasks.models import Activity, Task
from tasks.rights import (
    can_create,
    can_note,
    can_override_order,
    can_own,
    can_own_kind,
    can_reassign,
    can_reopen,
    can_wait_longer,
    can_work,
)
from tasks.transitions import (  # noqa: F401  (the status table and VersionConflict, as views read them)
    CANCEL,
    COMPLETE,
    REASSIGN_FROM,
    REOPEN,
    RESUME,
    START,
    WAIT,
    VersionConflict,
    lock_row,
    record,
    resume_and_cancel,
    save_row,
    transition,
)

log = logging.getLogger(__name__)


# ---- internals ----------------------------------------------------------------------------


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


def _require_due_in_window(due_on: datetime.date, *, plan) -> None:
    problem = due_date_problem(
        due_on, today=timezone.localdate(), plan_start=plan.starts_on if plan else None
    )
    if problem:
        raise RuleViolation(problem, rule="due-date-in-window")


def _require_owner_for_kind(owner, kind: str) -> None:
    if not can_own_kind(owner, kind):
        name = owner.get_full_name() or owner.username
        raise RuleViolation(
            f"{name} works scheduling and outreach calls only: a {TaskKind(kind).label.lower()} task "
            "needs an owner who works clinical tasks.",
            rule="owner-works-this-kind",
        )


def _require_text(value: str, *, rule: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise RuleViolation(message, rule=rule)
    return value


# ---- actions ------------------------------------------------------------------------------


def create_task(
    *,
    patient,
    by,
    title: str,
    kind: str,
    owner,
    due_on: datetime.date,
    priority: int = Priority.NORMAL,
    care_plan=None,
    template_task=None,
    occurrence: int = 1,
    recurrence_days: int | None = None,
    recurrence_ends_on: datetime.date | None = None,
    depends_on: Task | None = None,
    note: str = "",
) -> Task:
    _require(can_create(by, kind=kind), "Your role cannot create this kind of task.")
    _require(
        by is None or Patient.objects.visible_to(by).filter(pk=patient.pk).exists(),
        "You can only create tasks for patients of your care teams.",
    )
    title = _require_text(title, rule="task-needs-title", message="A task needs a title.")
    if owner is None:
        raise RuleViolation("A task needs an owner.", rule="task-needs-owner")
    if due_on is None:
        raise RuleViolation("A task needs a due date.", rule="task-needs-due-date")
    _require_due_in_window(due_on, plan=care_plan)
    if not can_own(owner.pk, patient.care_team_id):
        raise RuleViolation(
            "The owner must be an active member of the patient's care team.",
            rule="owner-in-care-team",
        )
    _require_owner_for_kind(owner, kind)
    with transaction.atomic():
        task = Task(
            patient=patient,
            care_plan=care_plan,
            template_task=template_task,
            occurrence=occurrence,
            title=title,
            kind=kind,
            owner=owner,
            care_team_id=patient.care_team_id,
            due_on=due_on,
            priority=priority,
            recurrence_days=recurrence_days,
            recurrence_ends_on=recurrence_ends_on,
            depends_on=depends_on,
            created_by=by,
        )
        task._history_user = by
        task._change_reason = "created"
        task.save()
        record(task, kind=ActivityKind.CREATED, by=by, to_status=Status.NEW, to_owner=owner, body=note)
    return task


def start_task(task: Task, *, by, expected_version: int | None = None) -> Task:
    _require(can_work(by, task), "Only the task's owner or the team's manager can start it.")
    with transaction.atomic():
        return transition(task, START, by=by, expected_version=expected_version)


def wait_task(
    task: Task,
    *,
    by,
    reason: str,
    until: datetime.date,
    note: str = "",
    expected_version: int | None = None,
) -> Task:
    _require(can_work(by, task), "Only the task's owner or the team's manager can set it waiting.")
    if reason not in WaitingReason.values:
        raise RuleViolation("Choose why the task is waiting.", rule="waiting-needs-reason")
    if until is None:
        raise RuleViolation("Give the date the wait ends.", rule="waiting-needs-until-date")
    today = timezone.localdate()
    if until < today:
        raise RuleViolation("The waiting-until date cannot be in the past.", rule="waiting-until-not-past")
    too_far = waiting_until_problem(until, today=today, longer_allowed=can_wait_longer(by, task))
    if too_far:
        raise RuleViolation(too_far, rule="waiting-until-in-window")
    text = f"{WaitingReason(reason).label} until {until:%m/%d/%Y}" + (
        f": {note.strip()}" if note.strip() else ""
    )
    with transaction.atomic():
        return transition(
            task,
            WAIT,
            by=by,
            expected_version=expected_version,
            reason=text,
            waiting_reason=reason,
            waiting_until=until,
        )


def resume_task(task: Task, *, by, note: str = "", expected_version: int | None = None) -> Task:
    _require(can_work(by, task), "Only the task's owner or the team's manager can resume it.")
    with transaction.atomic():
        return transition(
            task,
            RESUME,
            by=by,
            expected_version=expected_version,
            reason=note.strip(),
            waiting_reason="",
            waiting_until=None,
        )


def complete_task(
    task: Task,
    *,
    by,
    outcome: str,
    override_reason: str = "",
    cancel_earlier: bool = False,
    expected_version: int | None = None,
) -> Task:
    """Complete an open task with its outcome. A task that waits for another (a template's
    dependency) cannot be completed while that one is still open, unless a manager of the team
    overrides with a reason, which the timeline keeps beside the outcome; `cancel_earlier` then
    cancels the earlier step with that reason, when it is no longer needed."""
    _require(can_work(by, task), "Only the task's owner or the team's manager can complete it.")
    outcome = _require_text(
        outcome, rule="completion-needs-outcome", message="Record the outcome to complete the task."
    )
    override_reason = (override_reason or "").strip()
    with transaction.atomic():
        before = _open_dependency(task)
        if before is not None:
            if not override_reason:
                raise RuleViolation(
                    f"This task waits for “{before.title}”, which is still {before.get_status_display()}: "
                    "complete that first, or a manager can complete this one anyway with a reason.",
                    rule="complete-after-dependency",
                )
            _require(
                can_override_order(by, task),
                "Only a manager of the task's team can complete it before the task it waits for.",
            )
            outcome = f"{outcome} (completed before “{before.title}”: {override_reason})"
            if cancel_earlier:
                cancel_task(before, by=by, reason=f"Not needed: {override_reason}", resume_waiting=True)
        elif override_reason:
            raise RuleViolation(
                "This task waits for nothing open: there is no order to override.",
                rule="override-needs-open-dependency",
            )
        completed = transition(
            task,
            COMPLETE,
            by=by,
            expected_version=expected_version,
            reason=outcome,
            outcome=outcome,
            completed_at=timezone.now(),
            completed_by=by,
            waiting_reason="",
            waiting_until=None,
        )
        if completed.recurrence_days:
            _queue_next_occurrence(completed.pk)
        return completed


def _open_dependency(task: Task) -> Task | None:
    """The task `task` waits for, locked, when it is still open. Locked so that it cannot be
    reopened or completed halfway through this check."""
    if task.depends_on_id is None:
        return None
    return Task.objects.select_for_update().filter(pk=task.depends_on_id, status__in=OPEN_STATUSES).first()


def cancel_task(
    task: Task, *, by, reason: str, expected_version: int | None = None, resume_waiting: bool = False
) -> Task:
    """`resume_waiting`: a Waiting task is resumed, then cancelled, in one transaction (the status
    table ends a wait only by resuming it), as a manager's bulk cancel asks; the panel's cancel
    leaves a Waiting task to be resumed first."""
    _require(can_work(by, task), "Only the task's owner or the team's manager can cancel it.")
    reason = _require_text(reason, rule="cancel-needs-reason", message="Give a reason to cancel the task.")
    with transaction.atomic():
        if resume_waiting:
            return resume_and_cancel(task, by=by, reason=reason, expected_version=expected_version)
        return transition(
            task, CANCEL, by=by, expected_version=expected_version, reason=reason, outcome=reason
        )


def reopen_task(task: Task, *, by, reason: str, expected_version: int | None = None) -> Task:
    _require(can_reopen(by, task), "Only a manager of the task's team can reopen it.")
    reason = _require_text(reason, rule="reopen-needs-reason", message="Give a reason to reopen the task.")
    with transaction.atomic():
        return transition(
            task,
            REOPEN,
            by=by,
            expected_version=expected_version,
            reason=reason,
            outcome="",
            completed_at=None,
            completed_by=None,
        )


def reassign_task(task: Task, *, by, to, reason: str, expected_version: int | None = None) -> Task:
    _require(
        can_reassign(by, task),
        "Coordinators reassign their own tasks; managers reassign tasks of the teams they manage.",
    )
    reason = _require_text(
        reason, rule="reassign-needs-reason", message="Give a reason for the reassignment."
    )
    if to is None:
        raise RuleViolation("Choose the new owner.", rule="reassign-needs-owner")
    with transaction.atomic():
        locked = lock_row(task, expected_version)
        if locked.status not in REASSIGN_FROM:
            raise RuleViolation("Only open tasks can be reassigned.", rule="reassign-only-open")
        if to.pk == locked.owner_id:
            raise RuleViolation("The task already belongs to that person.", rule="reassign-to-someone-else")
        if not can_own(to.pk, locked.care_team_id):
            raise RuleViolation(
                "The new owner must be an active member of the task's care team.",
                rule="owner-in-care-team",
            )
        _require_owner_for_kind(to, locked.kind)
        from_owner_id = locked.owner_id
        locked.owner = to
        save_row(locked, by=by, reason=reason)
        record(
            locked,
            kind=ActivityKind.REASSIGNMENT,
            by=by,
            from_owner_id=from_owner_id,
            to_owner=to,
            body=reason,
        )
        return locked


CHANGE_FROM = OPEN_STATUSES
# A changed field as the timeline shows it: its label, and how a value reads.
CHANGE_SHOWN = {
    "title": ("Title", str),
    "kind": ("Type", lambda v: TaskKind(v).label),
    "due_on": ("Due", lambda v: f"{v:%m/%d/%Y}"),
    "priority": ("Priority", lambda v: Priority(v).label),
}


def change_task(
    task: Task,
    *,
    by,
    reason: str,
    title: str | None = None,
    kind: str | None = None,
    due_on: datetime.date | None = None,
    priority: int | None = None,
    expected_version: int | None = None,
) -> Task:
    """The owner's or a manager's edit of an open task's title, type, due date or priority, with a
    reason. A due date moved later is a reschedule (its own timeline kind, which the dashboard
    can count per owner); any other change is a change. The timeline says what changed from what."""
    _require(can_work(by, task), "Only the task's owner or the team's manager can change it.")
    reason = _require_text(reason, rule="change-needs-reason", message="Give a reason for the change.")
    if title is not None:
        title = _require_text(title, rule="task-needs-title", message="A task needs a title.")
    if kind is not None and kind != task.kind:
        _require(can_create(by, kind=kind), "Your role cannot give a task this type.")
    with transaction.atomic():
        locked = lock_row(task, expected_version)
        if locked.status not in CHANGE_FROM:
            raise RuleViolation("Only open tasks can be changed.", rule="change-only-open")
        asked = {"title": title, "kind": kind, "due_on": due_on, "priority": priority}
        changed = {
            name: value
            for name, value in asked.items()
            if value is not None and value != getattr(locked, name)
        }
        if not changed:
            raise RuleViolation("Nothing to change: the task already reads so.", rule="change-needs-a-change")
        if "kind" in changed:
            _require_owner_for_kind(locked.owner, changed["kind"])
        if "due_on" in changed:  # an overdue task keeps its date through a change of title
            if changed["due_on"] < timezone.localdate():
                raise RuleViolation("The new due date cannot be in the past.", rule="due-not-past")
            _require_due_in_window(changed["due_on"], plan=locked.care_plan)
        later = "due_on" in changed and changed["due_on"] > locked.due_on
        lines = []
        for name, value in changed.items():
            label, shown = CHANGE_SHOWN[name]
            lines.append(f"{label}: {shown(getattr(locked, name))} → {shown(value)}")
            setattr(locked, name, value)
        save_row(locked, by=by, reason=reason)
        record(
            locked,
            kind=ActivityKind.RESCHEDULE if later else ActivityKind.CHANGE,
            by=by,
            body="; ".join(lines) + f". {reason}",
        )
        return locked


def add_note(
    task: Task,
    *,
    by,
    body: str,
    contact_outcome: str = "",
    call_back_on: datetime.date | None = None,
    close_task: bool = False,
) -> Activity:
    """A note or a contact attempt. It changes nothing on the task, so it needs no version.
    `call_back_on` (with a contact attempt): the follow-up call is created in the same step, an
    outreach call owned by whoever logged the attempt (or the task's owner when they cannot own
    the team's work), on the same patient and plan, due that day; with `close_task`, this task is
    completed in the same step, its outcome naming the call back that carries it on."""
    _require(can_note(by, task), "Your role cannot add notes to tasks.")
    body = body.strip()
    if contact_outcome and contact_outcome not in ContactOutcome.values:
        raise RuleViolation("Choose a contact outcome from the list.", rule="contact-outcome-valid")
    if not body and not contact_outcome:
        raise RuleViolation("Write a note or choose a contact outcome.", rule="note-needs-text")
    if call_back_on is not None:
        if not contact_outcome:
            raise RuleViolation("A call back follows a contact attempt.", rule="call-back-needs-attempt")
        if call_back_on < timezone.localdate():
            raise RuleViolation("The call back date cannot be in the past.", rule="call-back-not-past")
    kind = ActivityKind.CONTACT_ATTEMPT if contact_outcome else ActivityKind.NOTE
    with transaction.atomic():
        note = record(task, kind=kind, by=by, body=body, contact_outcome=contact_outcome)
        if call_back_on is not None:
            owner = by if by is not None and can_own(by.pk, task.care_team_id) else task.owner
            create_task(
                patient=task.patient,
                by=by,
                title=f"Call back: {task.title}"[:200],
                kind=TaskKind.OUTREACH_CALL,
                owner=owner,
                due_on=call_back_on,
                priority=task.priority,
                care_plan=task.care_plan,
                note=f"After a contact attempt on {task.title} ({ContactOutcome(contact_outcome).label.lower()})",
            )
            if close_task:
                complete_task(
                    task,
                    by=by,
                    outcome=f"{ContactOutcome(contact_outcome).label}; carried on by a call back on "
                    f"{call_back_on:%m/%d/%Y}",
                )
        return note


def cancel_plan_tasks(plan, *, by, reason: str) -> list[Task]:
    """A care plan ended (completed or revoked) by its provider: each of its open tasks is
    cancelled through the status machine with the plan's reason, so none goes on escalating. A
    Waiting task is resumed first (the status table lets a wait end only that way). The right is
    the plan's (editing its clinical part), not each task's: the provider decides for the plan.
    Call it inside the transaction that changes the plan's status."""
    _require(
        by is None or by.has_perm("careplans.edit_clinical"),
        "Only the plan's providers end a plan's tasks with it.",
    )
    reason = _require_text(
        reason, rule="plan-cancel-needs-reason", message="Give the reason the plan's open tasks end."
    )
    cancelled = []
    with transaction.atomic():
        for task in Task.objects.filter(care_plan=plan, status__in=OPEN_STATUSES).order_by("pk"):
            cancelled.append(resume_and_cancel(task, by=by, reason=reason, expected_version=None))
    return cancelled


# ---- after commit --------------------------------------------------------------------------


def _queue_next_occurrence(task_id: int) -> None:
    """After commit, a worker makes the next occurrence. A broker outage must not turn a saved
    completion into an error page (robust): the hourly recurrence job makes it anyway."""
    from tasks.jobs import create_next_occurrence  # tasks.jobs imports this module

    publish_after_commit(create_next_occurrence, task_id)
