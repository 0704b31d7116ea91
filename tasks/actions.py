"""Every change to a task's status or owner goes through one function here.

Each action: checks the actor's right, checks the rule from the status table (refusing with the
rule's name), locks the row, compares versions (a stale copy is a conflict, never an overwrite),
saves, writes one Activity and one history row with the actor and the reason, all in one
transaction. `by=None` means the system (a scheduled job), which holds every right.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import BigIntegerField, Exists, F, OuterRef, Q, Value
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import CareTeamUserObjectPermission
from accounts.scope import MANAGE, WORK, manages, user_ids_in_team
from careplans.models import CarePlanStatus, Patient
from notifications.sql import PlusDays, id_set, insert_select, update_returning
from tasks.choices import (
    FRONT_DESK_KINDS,
    OPEN_STATUSES,
    ActivityKind,
    ContactOutcome,
    Priority,
    Status,
    WaitingReason,
)
from tasks.models import Activity, Task

log = logging.getLogger(__name__)


class ActionError(Exception):
    """A refused action. `rule` names the rule; `message` says it to a person."""

    rule = "refused"

    def __init__(self, message: str, *, rule: str | None = None):
        super().__init__(message)
        self.message = message
        if rule:
            self.rule = rule


class RuleViolation(ActionError):
    pass


class NotAllowed(ActionError, PermissionDenied):
    rule = "not-allowed"


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


# ---- rights -------------------------------------------------------------------------------


def is_team_member(user_id: int, team_id: int) -> bool:
    return user_ids_in_team(team_id).filter(user_id=user_id, user__is_active=True).exists()


def can_work(user, task: Task) -> bool:
    if user is None:
        return True
    if not user.has_perm("tasks.work_task"):
        return False
    return task.owner_id == user.pk or manages(user, task.care_team_id)


def can_reassign(user, task: Task) -> bool:
    if user is None:
        return True
    if user.has_perm("tasks.reassign_any_task") and manages(user, task.care_team_id):
        return True
    return user.has_perm("tasks.reassign_own_task") and task.owner_id == user.pk


def can_reopen(user, task: Task) -> bool:
    if user is None:
        return True
    return user.has_perm("tasks.reopen_task") and manages(user, task.care_team_id)


def can_note(user, task: Task) -> bool:
    if user is None:
        return True
    return user.has_perm("tasks.work_task") and Task.objects.visible_to(user).filter(pk=task.pk).exists()


def can_create(user, *, kind: str) -> bool:
    if user is None or user.has_perm("tasks.add_task"):
        return True
    return user.has_perm("tasks.add_scheduling_task") and kind in FRONT_DESK_KINDS


# ---- internals ----------------------------------------------------------------------------


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


def _lock(task: Task, expected_version: int | None) -> Task:
    locked = Task.objects.select_for_update().select_related("patient").get(pk=task.pk)
    expected = task.version if expected_version is None else expected_version
    if locked.version != expected:
        # The latest history row is the last save; the latest Activity may be a note, which saves nothing.
        last = locked.history.select_related("history_user").first()
        editor = last.history_user if last else None
        who = (editor.get_full_name() or editor.username) if editor else "someone else"
        raise VersionConflict(current=locked, changed_by=who)
    return locked


def _save(task: Task, *, by, reason: str) -> None:
    task.version += 1
    task._history_user = by
    task._change_reason = reason[:100] if reason else None
    task.save()


def _record(task: Task, *, kind: str, by, **fields) -> Activity:
    return Activity.objects.create(
        task=task, patient_id=task.patient_id, care_team_id=task.care_team_id, kind=kind, actor=by, **fields
    )


def _status_since(task: Task):
    """When `task` entered its current status: its latest status event (one index probe)."""
    return (
        Activity.objects.filter(task=task, kind__in=(ActivityKind.CREATED, ActivityKind.STATUS_CHANGE))
        .order_by("-created_at", "-pk")
        .values_list("created_at", flat=True)
        .first()
    )


def _transition(task: Task, t: Transition, *, by, expected_version, reason: str = "", **changes) -> Task:
    locked = _lock(task, expected_version)
    if locked.status not in t.allowed_from:
        allowed = ", ".join(Status(s).label for s in t.allowed_from)
        raise RuleViolation(
            f"Cannot {t.name} a task that is {locked.get_status_display()}: only {allowed} tasks can.",
            rule=t.rule,
        )
    from_status = locked.status
    since = _status_since(locked) or locked.created_at
    locked.status = t.to
    for field, value in changes.items():
        setattr(locked, field, value)
    _save(locked, by=by, reason=reason or t.name)
    _record(
        locked,
        kind=ActivityKind.STATUS_CHANGE,
        by=by,
        from_status=from_status,
        from_status_since=since,
        to_status=t.to,
        body=reason,
    )
    return locked


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
    if not is_team_member(owner.pk, patient.care_team_id):
        raise RuleViolation(
            "The owner must be an active member of the patient's care team.",
            rule="owner-in-care-team",
        )
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
        _record(task, kind=ActivityKind.CREATED, by=by, to_status=Status.NEW, to_owner=owner, body=note)
    return task


def start_task(task: Task, *, by, expected_version: int | None = None) -> Task:
    _require(can_work(by, task), "Only the task's owner or the team's manager can start it.")
    with transaction.atomic():
        return _transition(task, START, by=by, expected_version=expected_version)


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
    if until < timezone.localdate():
        raise RuleViolation("The waiting-until date cannot be in the past.", rule="waiting-until-not-past")
    text = f"{WaitingReason(reason).label} until {until:%m/%d/%Y}" + (
        f": {note.strip()}" if note.strip() else ""
    )
    with transaction.atomic():
        return _transition(
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
        return _transition(
            task,
            RESUME,
            by=by,
            expected_version=expected_version,
            reason=note.strip(),
            waiting_reason="",
            waiting_until=None,
        )


def complete_task(task: Task, *, by, outcome: str, expected_version: int | None = None) -> Task:
    _require(can_work(by, task), "Only the task's owner or the team's manager can complete it.")
    outcome = _require_text(
        outcome, rule="completion-needs-outcome", message="Record the outcome to complete the task."
    )
    with transaction.atomic():
        completed = _transition(
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


def cancel_task(task: Task, *, by, reason: str, expected_version: int | None = None) -> Task:
    _require(can_work(by, task), "Only the task's owner or the team's manager can cancel it.")
    reason = _require_text(reason, rule="cancel-needs-reason", message="Give a reason to cancel the task.")
    with transaction.atomic():
        return _transition(
            task, CANCEL, by=by, expected_version=expected_version, reason=reason, outcome=reason
        )


def reopen_task(task: Task, *, by, reason: str, expected_version: int | None = None) -> Task:
    _require(can_reopen(by, task), "Only a manager of the task's team can reopen it.")
    reason = _require_text(reason, rule="reopen-needs-reason", message="Give a reason to reopen the task.")
    with transaction.atomic():
        return _transition(
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
        locked = _lock(task, expected_version)
        if locked.status not in REASSIGN_FROM:
            raise RuleViolation("Only open tasks can be reassigned.", rule="reassign-only-open")
        if to.pk == locked.owner_id:
            raise RuleViolation("The task already belongs to that person.", rule="reassign-to-someone-else")
        if not is_team_member(to.pk, locked.care_team_id):
            raise RuleViolation(
                "The new owner must be an active member of the task's care team.",
                rule="owner-in-care-team",
            )
        from_owner_id = locked.owner_id
        locked.owner = to
        _save(locked, by=by, reason=reason)
        _record(
            locked,
            kind=ActivityKind.REASSIGNMENT,
            by=by,
            from_owner_id=from_owner_id,
            to_owner=to,
            body=reason,
        )
        return locked


def add_note(task: Task, *, by, body: str, contact_outcome: str = "") -> Activity:
    """A note or a contact attempt. It changes nothing on the task, so it needs no version."""
    _require(can_note(by, task), "Your role cannot add notes to tasks.")
    body = body.strip()
    if contact_outcome and contact_outcome not in ContactOutcome.values:
        raise RuleViolation("Choose a contact outcome from the list.", rule="contact-outcome-valid")
    if not body and not contact_outcome:
        raise RuleViolation("Write a note or choose a contact outcome.", rule="note-needs-text")
    kind = ActivityKind.CONTACT_ATTEMPT if contact_outcome else ActivityKind.NOTE
    with transaction.atomic():
        return _record(task, kind=kind, by=by, body=body, contact_outcome=contact_outcome)


# ---- system actions: the jobs call these (by the system, set-based) ------------------------


def _queue_next_occurrence(task_id: int) -> None:
    """After commit, a worker makes the next occurrence. A broker outage must not turn a saved
    completion into an error page (robust): the hourly recurrence job makes it anyway."""
    from tasks.jobs import create_next_occurrence  # tasks.jobs imports this module

    transaction.on_commit(partial(create_next_occurrence.delay, task_id), robust=True)


def _history_rows(tasks, *, when, reason, history_type: str, by=None):
    """(columns, values_list) that copy `tasks` into their history table as simple_history's
    save() would: every tracked field, plus when, why (a text or an expression), what and who."""
    history = Task.history.model
    meta = {
        "history_date": Value(when),
        "history_change_reason": Value(reason[:100]) if isinstance(reason, str) else reason,
        "history_type": Value(history_type),
        "history_user": Value(by.pk if by else None, output_field=BigIntegerField()),
    }
    columns = [f.name for f in history._meta.concrete_fields if f.name != "history_id"]
    values = [meta[name] if name in meta else F(history._meta.get_field(name).attname) for name in columns]
    return history, columns, tasks.values_list(*values)


def escalate_tasks(tasks, *, level: int, reason, now: datetime.datetime | None = None) -> list[int]:
    """Raise the open tasks of `tasks` that are below `level` to it, each with an escalation
    Activity and a history row, by the system. One conditional UPDATE claims the rows (a task
    already at `level` is left alone, so a second run, a retry or a second beat raises nothing
    twice), then one INSERT ... SELECT each writes the Activities and the history: three
    statements whatever the number of tasks. Returns the ids raised. `reason` is a text, or an
    expression over the task giving each its own (under 100 characters).

    The version stays: no form a person has open conflicts with an escalation, and the actions
    save the row they lock and re-read, so none of them undoes it."""
    now = now or timezone.now()
    if tasks.query.count_active_tables() > 1:
        # An UPDATE over joins becomes "id IN (subquery)"; keep the claim's own conditions on
        # the row itself, where the database checks them again once the row is locked.
        tasks = Task.objects.filter(pk__in=tasks.values("pk"))
    with transaction.atomic():
        raised = update_returning(
            tasks.filter(status__in=OPEN_STATUSES, escalation_level__lt=level),
            escalation_level=level,
            updated_at=now,
        )
        if not raised:
            return []
        rows = Task.objects.filter(pk__in=id_set(raised))
        why = Value(reason) if isinstance(reason, str) else reason
        insert_select(
            Activity,
            [
                "task",
                "patient",
                "care_team",
                "kind",
                "from_status",
                "to_status",
                "contact_outcome",
                "body",
                "created_at",
            ],
            rows.values_list(
                "pk",
                "patient_id",
                "care_team_id",
                Value(ActivityKind.ESCALATION.value),
                Value(""),
                Value(""),
                Value(""),
                why,
                Value(now),
            ),
        )
        history, columns, values = _history_rows(rows, when=now, reason=reason, history_type="~")
        insert_select(history, columns, values)
    return raised


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


def _team_rights(team_ids) -> dict[int, dict]:
    """Per team: its active members' ids, and its first active manager (a fallback owner)."""
    teams = {team_id: {"members": set(), "manager": None} for team_id in team_ids}
    rights = CareTeamUserObjectPermission.objects.filter(
        content_object_id__in=team_ids,
        permission__codename__in=(WORK, MANAGE),
        permission__content_type__app_label="accounts",
        user__is_active=True,
    ).order_by("user_id")
    for team_id, user_id, codename in rights.values_list(
        "content_object_id", "user_id", "permission__codename"
    ):
        teams[team_id]["members"].add(user_id)
        if codename == MANAGE and teams[team_id]["manager"] is None:
            teams[team_id]["manager"] = user_id
    return teams


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
        teams = _team_rights({t.patient.care_team_id for t in previous})
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
                body=f"Next occurrence after task #{task.previous_occurrence_id}",
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
