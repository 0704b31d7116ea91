"""A patient moves to another care team in one action: the patient, every one of their tasks and
the tasks' timeline rows change team together, and each open task gets an owner in the new team.

Every task moves, closed ones too. Scope follows the patient's team, so the old team cannot see
any of them afterwards, and a task's own team is what rights and dashboards read: left behind, a
closed task could not be reopened by the team that now sees it, and the old team's dashboard
would count tasks its queue no longer shows. The old team's past daily snapshots keep what they
counted then.

A patient has no version of its own. A transfer's version is a fingerprint of what its preview
showed: the patient's team and each open task's id, version and owner. A preview made before
someone else moved the patient, or added, closed, changed or reassigned one of their open tasks,
is refused rather than applied to work it did not show.

Set-based (bulksql): a fixed number of statements whatever the number of tasks.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import BigIntegerField, Case, F, PositiveSmallIntegerField, Value, When
from django.utils import timezone

from accounts.errors import ActionError, NotAllowed, RuleViolation
from accounts.models import CareTeam, User
from accounts.scope import team_rights
from bulksql import history_rows, id_set, insert_select
from careplans.models import Patient
from tasks.choices import OPEN_STATUSES, ActivityKind
from tasks.intake import members_by_role, team_members
from tasks.models import Activity, Task
from tasks.rights import can_own_kind, can_transfer
from tasks.signals import handed_over


class TransferConflict(ActionError):
    rule = "version-conflict"


@dataclass
class TransferRow:
    """An open task and the owner proposed for it in the new team (None: nobody fits)."""

    task: Task
    proposed: User | None
    note: str = ""


@dataclass
class TransferPreview:
    to_team: CareTeam
    rows: list[TransferRow]
    members: list[User]  # the new team's active members, least open work first
    version: str

    @property
    def member_ids(self) -> set[int]:
        return {member.pk for member in self.members}


@dataclass
class TransferResult:
    patient: Patient
    from_team: CareTeam
    tasks_moved: int
    reassigned: int


def destinations(user, patient: Patient):
    """The teams `user` may move `patient` to: any other team for an admin, the other teams they
    manage for a manager of the patient's team, none for anyone else."""
    teams = CareTeam.objects.exclude(pk=patient.care_team_id).order_by("name")
    if not can_transfer(user, patient):
        return teams.none()
    if user.has_perm("careplans.change_patient"):
        return teams
    return teams.filter(pk__in=team_rights(user)["manage"])


def offers_transfer(user, patient: Patient) -> bool:
    """Whether the patient page offers the transfer: the user may move the patient and has a team
    to move them to. No query: the rights are those every page has loaded."""
    if not can_transfer(user, patient):
        return False
    return user.has_perm("careplans.change_patient") or bool(
        set(team_rights(user)["manage"]) - {patient.care_team_id}
    )


def _version(team_id: int, open_tasks: list[Task]) -> str:
    seen = ";".join(f"{task.pk}.{task.version}.{task.owner_id}" for task in open_tasks)
    return hashlib.sha256(f"{team_id}|{seen}".encode()).hexdigest()[:20]


def _least_loaded(people: list[User], patient: Patient, given: Counter) -> User:
    """The patient's primary provider when they hold the role, else whoever has the least open
    work, counting what this transfer has given them so far (ties: the order of `people`)."""
    for person in people:
        if person.pk == patient.primary_provider_id:
            return person
    return min(enumerate(people), key=lambda pair: (pair[1].open_load + given[pair[1].pk], pair[0]))[1]


def preview_transfer(patient: Patient, *, to_team: CareTeam) -> TransferPreview:
    """The patient's open tasks with the owner proposed for each in `to_team`: their owner while
    they are an active member of it too, else someone in the new team with the owner's role (the
    first of their roles the new team has). Four queries, whatever the number of tasks."""
    open_tasks = list(
        Task.objects.filter(patient=patient, status__in=OPEN_STATUSES)
        .select_related("owner")
        .prefetch_related("owner__groups")
        .order_by("due_on", "pk")
    )
    members = team_members(to_team.pk)
    by_pk = {member.pk: member for member in members}
    by_role = members_by_role(members)
    given: Counter = Counter()
    rows = []
    for task in open_tasks:
        if task.owner_id in by_pk:
            rows.append(TransferRow(task, by_pk[task.owner_id], f"{task.owner} works in {to_team} too"))
            continue
        roles = sorted(task.owner.groups.all(), key=lambda group: group.pk)
        fitting = next((by_role[role.pk] for role in roles if role.pk in by_role), None)
        if fitting is None:
            names = ", ".join(role.name for role in roles) or "no role"
            rows.append(TransferRow(task, None, f"Nobody in {to_team} has {task.owner}'s role ({names})"))
            continue
        owner = _least_loaded(fitting, patient, given)
        given[owner.pk] += 1
        rows.append(TransferRow(task, owner))
    return TransferPreview(
        to_team=to_team, rows=rows, members=members, version=_version(patient.care_team_id, open_tasks)
    )


def check_version(patient: Patient, preview: TransferPreview, expected_version: str) -> None:
    """Refuse a transfer confirmed from a preview of other work than `preview` shows."""
    if expected_version != preview.version:
        raise TransferConflict(
            f"{patient.full_name}'s team or open tasks changed since this page was shown (moved, "
            "or a task added, closed, changed or reassigned). Review the new preview; nothing "
            "was saved."
        )


def transfer_patient(
    patient: Patient,
    *,
    by,
    to_team: CareTeam,
    reason: str,
    owners: dict[int, User] | None = None,
    expected_version: str | None = None,
) -> TransferResult:
    """Move `patient` to `to_team` with all their tasks, by an admin or a manager of both teams,
    in one transaction. Each open task goes to `owners[task id]`, or to the owner the preview
    proposes; each one whose owner changes gets a reassignment on its timeline. The patient's
    history keeps the move and its reason, and each task gets a history row. `expected_version`:
    the preview's version (TransferPreview.version); a different one is a TransferConflict."""
    with transaction.atomic():
        locked = Patient.objects.select_for_update().select_related("care_team").get(pk=patient.pk)
        if not can_transfer(by, locked, to_team.pk):
            raise NotAllowed("Only an admin, or a manager of both teams, can move a patient between teams.")
        if to_team.pk == locked.care_team_id:
            raise RuleViolation(
                f"{locked.full_name} is already in {to_team}.", rule="transfer-to-another-team"
            )
        reason = (reason or "").strip()
        if not reason:
            raise RuleViolation("Give a reason for the transfer.", rule="transfer-needs-reason")
        preview = preview_transfer(locked, to_team=to_team)
        if expected_version is not None:
            check_version(locked, preview, expected_version)
        chosen = {row.task.pk: row.proposed for row in preview.rows}
        for task_id, owner in (owners or {}).items():
            if task_id not in chosen:
                raise RuleViolation(
                    f"task #{task_id} is not an open task of {locked.full_name}.", rule="transfer-open-tasks"
                )
            chosen[task_id] = owner
        titles = {row.task.pk: row.task.title for row in preview.rows}
        missing = [titles[pk] for pk, owner in chosen.items() if owner is None]
        if missing:
            raise RuleViolation(
                f"Choose an owner in {to_team} for: {', '.join(missing)}.", rule="task-needs-owner"
            )
        outside = [titles[pk] for pk, owner in chosen.items() if owner.pk not in preview.member_ids]
        if outside:
            raise RuleViolation(
                f"The new owners must be active members of {to_team} ({', '.join(outside)}).",
                rule="owner-in-care-team",
            )
        kinds = {row.task.pk: row.task.kind for row in preview.rows}
        unfit = [titles[pk] for pk, owner in chosen.items() if not can_own_kind(owner, kinds[pk])]
        if unfit:
            raise RuleViolation(
                f"These tasks need an owner who works clinical tasks: {', '.join(unfit)}.",
                rule="owner-works-this-kind",
            )
        moves = {
            row.task.pk: chosen[row.task.pk].pk
            for row in preview.rows
            if chosen[row.task.pk].pk != row.task.owner_id
        }
        from_team = locked.care_team
        locked.care_team = to_team
        locked._history_user = by
        locked._change_reason = f"Transfer: {reason}"[:100]
        locked.save()
        tasks_moved = _move_tasks(locked, to_team, moves, by=by, reason=f"Transferred to {to_team}: {reason}")
    return TransferResult(patient=locked, from_team=from_team, tasks_moved=tasks_moved, reassigned=len(moves))


def _move_tasks(patient: Patient, to_team: CareTeam, moves: dict[int, int], *, by, reason: str) -> int:
    """Every task of `patient` and its timeline rows to `to_team`, the tasks of `moves` to their
    new owners (task id -> user id), a reassignment on each of those timelines and a history row
    on every task: five statements for any number of tasks. Each task's version rises, so a form
    left open on the old team's copy is refused; an open task's escalation starts again, so the
    new team's managers hear of work overdue in their hands."""
    now = timezone.now()
    tasks = Task.objects.filter(patient=patient)
    by_owner: dict[int, list[int]] = defaultdict(list)
    for task_id, owner_id in moves.items():
        by_owner[owner_id].append(task_id)
    new_owner = Case(
        *(When(pk__in=id_set(ids), then=Value(owner_id)) for owner_id, ids in by_owner.items()),
        default=F("owner_id"),
        output_field=BigIntegerField(),
    )
    reassignments = []
    if moves:
        # Before the tasks change: each row still names the owner it is taken from.
        reassignments = insert_select(
            Activity,
            [
                *("task", "patient", "care_team", "kind", "actor", "from_owner", "to_owner"),
                *("from_status", "to_status", "contact_outcome", "body", "created_at"),
            ],
            Task.objects.filter(pk__in=id_set(moves)).values_list(
                "pk",
                "patient_id",
                Value(to_team.pk),
                Value(ActivityKind.REASSIGNMENT.value),
                Value(by.pk if by else None, output_field=BigIntegerField()),
                "owner_id",
                new_owner,
                Value(""),
                Value(""),
                Value(""),
                Value(reason),
                Value(now),
            ),
        )
    moved = tasks.update(
        care_team=to_team,
        owner=new_owner,
        version=F("version") + 1,
        escalation_level=Case(
            When(status__in=OPEN_STATUSES, then=Value(0)),
            default=F("escalation_level"),
            output_field=PositiveSmallIntegerField(),
        ),
        updated_at=now,
    )
    Activity.objects.filter(patient=patient).exclude(care_team=to_team).update(care_team=to_team)
    history, columns, values = history_rows(tasks, when=now, reason=reason, history_type="~", by=by)
    insert_select(history, columns, values)
    if reassignments:
        handed_over.send(sender=Activity, activity_ids=reassignments)
    return moved
