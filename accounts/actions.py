"""Granting and revoking team rights: the only writers of team membership. The membership's
history keeps each change with who made it; that history is the membership audit trail."""

from django.contrib.auth.models import Permission
from django.db import transaction

from accounts.errors import NotAllowed
from accounts.models import CareTeam, CareTeamUserObjectPermission, TeamRight


def _rows(user, team: CareTeam, right: str):
    return CareTeamUserObjectPermission.objects.select_for_update(of=("self",)).filter(
        user=user,
        content_object=team,
        permission__content_type__app_label="accounts",
        permission__codename=TeamRight(right).value,
    )


SELF_GRANT_REFUSED = "Nobody grants themselves a team right: another admin or the operator does."


def may_grant_to(by, user) -> bool:
    """Whether `by` may grant `user` a team right: anyone but themselves (the operator's
    superuser holds every right already)."""
    return by.is_superuser or user is None or user.pk != by.pk


def grant_team_right(*, user, team: CareTeam, right: str, by) -> CareTeamUserObjectPermission:
    """`user` holds `right` on `team` afterwards. A right already held is left as it is (no
    second row, no history)."""
    if not by.has_perm("accounts.add_careteamuserobjectpermission"):
        raise NotAllowed("Only an admin grants team rights.")
    if not may_grant_to(by, user):
        raise NotAllowed(SELF_GRANT_REFUSED, rule="no-self-grant")
    with transaction.atomic():
        held = _rows(user, team, right).first()
        if held is not None:
            return held
        row = CareTeamUserObjectPermission(
            user=user,
            content_object=team,
            permission=Permission.objects.get(content_type__app_label="accounts", codename=right),
        )
        row._history_user = by
        row._change_reason = "Granted"
        row.save()
    return row


def revoke_team_right(*, user, team: CareTeam, right: str, by) -> bool:
    """`user` no longer holds `right` on `team`. False when they did not hold it."""
    if not by.has_perm("accounts.delete_careteamuserobjectpermission"):
        raise NotAllowed("Only an admin revokes team rights.")
    with transaction.atomic():
        held = _rows(user, team, right).first()
        if held is None:
            return False
        held._history_user = by
        held._change_reason = "Revoked"
        held.delete()
    return True
