"""Who may do what to a task. The actions check these before they change anything, and the
views ask the same functions which buttons to offer, so a page never offers what an action
would refuse. `user=None` is the system (a scheduled job), which holds every right."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db.models import Q

from accounts.models import User
from accounts.scope import is_active_member, manages
from careplans.models import Patient
from tasks.choices import FRONT_DESK_KINDS
from tasks.models import Task


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


def can_override_order(user, task: Task) -> bool:
    """Completing a task before the one it waits for: a manager of its team, with a reason."""
    return can_reopen(user, task)


def can_wait_longer(user, task: Task) -> bool:
    """Whether `user` may set a wait past the usual limit (careplans.dates.WAIT_DAYS_AHEAD): a
    manager of the task's team decides that a wait of half a year or more is right."""
    return user is None or manages(user, task.care_team_id)


def can_note(user, task: Task) -> bool:
    if user is None:
        return True
    return user.has_perm("tasks.work_task") and Task.objects.visible_to(user).filter(pk=task.pk).exists()


def can_note_patient(user, patient: Patient) -> bool:
    """A note about the patient, not one task: whoever may note tasks, on a patient they see."""
    if user is None:
        return True
    return (
        user.has_perm("tasks.work_task") and Patient.objects.visible_to(user).filter(pk=patient.pk).exists()
    )


def can_create(user, *, kind: str) -> bool:
    if user is None or user.has_perm("tasks.add_task"):
        return True
    return user.has_perm("tasks.add_scheduling_task") and kind in FRONT_DESK_KINDS


def can_own(user_id: int, team_id: int) -> bool:
    """Whether a person may own a task of the team: an active member (or manager) of it."""
    return is_active_member(user_id, team_id)


def can_transfer(user, patient, to_team_id: int | None = None) -> bool:
    """Moving a patient, with their tasks, to another team: an admin (the right to change patient
    records, with which the Django admin used to edit the team), or a manager of both teams (one
    team's manager cannot hand work to a team they do not answer for, nor take it from one).
    Without `to_team_id`: whether the user may move the patient at all."""
    if user is None or user.has_perm("careplans.change_patient"):
        return True
    if not (user.has_perm("tasks.reassign_any_task") and manages(user, patient.care_team_id)):
        return False
    return to_team_id is None or manages(user, to_team_id)


# Who may own clinical kinds: whoever sees them (front desk sees no clinical work).
CLINICAL_RIGHT = "careplans.view_clinical"


def can_own_kind(owner, kind: str) -> bool:
    """Whether `owner` may hold work of this kind: anyone holds scheduling and outreach calls;
    other kinds need the clinical right (front desk sees no clinical work, so cannot own it)."""
    return kind in FRONT_DESK_KINDS or owner.has_perm(CLINICAL_RIGHT)


def works_clinical() -> Q:
    """can_own_kind's clinical right as a filter (or annotation) on User, for owner lists: held
    through a role or directly, or a superuser. Subqueries, no query of its own."""
    app_label, codename = CLINICAL_RIGHT.split(".")
    right = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    by_role = User.groups.through.objects.filter(group__permissions__in=right).values("user_id")
    direct = User.user_permissions.through.objects.filter(permission__in=right).values("user_id")
    return Q(is_superuser=True) | Q(pk__in=by_role) | Q(pk__in=direct)


def may_own_kind(users, kind: str):
    """`users` (a User queryset) narrowed to those who may own a task of `kind`."""
    return users if kind in FRONT_DESK_KINDS else users.filter(works_clinical())
