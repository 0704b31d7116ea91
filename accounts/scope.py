"""Object scope: which care teams a user works in. The only place team rights are read.

Team rights are granted to users, one row per (user, team, right) in
CareTeamUserObjectPermission; that row is the membership. Groups carry roles, never scope.
"""

from accounts.models import CareTeamUserObjectPermission

WORK = "work_in_careteam"
MANAGE = "manage_careteam"


def team_ids_for(user, *codenames: str):
    """A subquery of the ids of teams on which `user` holds any of `codenames` (default: any
    team right). Deny by default: anonymous or inactive → none."""
    codenames = codenames or (WORK, MANAGE)
    if not user.is_authenticated or not user.is_active:
        return CareTeamUserObjectPermission.objects.none().values("content_object_id")
    return CareTeamUserObjectPermission.objects.filter(user=user, permission__codename__in=codenames).values(
        "content_object_id"
    )


def team_id_list(user) -> list[int]:
    """The ids of the teams `user` works in or manages, as a list, read once per user object
    (a request's user lives for one request; jobs load their users afresh). A literal list lets
    PostgreSQL estimate how many patients and tasks a scope selects: behind a subquery it guesses
    a few hundred where a team has thousands, and picks nested loops that take 100x longer."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_followthrough_team_ids", None)
    if cached is None:
        cached = sorted(team_ids_for(user).values_list("content_object_id", flat=True))
        user._followthrough_team_ids = cached
    return cached


def managed_team_ids(user):
    return team_ids_for(user, MANAGE)


def user_ids_in_team(team_id, *codenames: str):
    codenames = codenames or (WORK, MANAGE)
    return CareTeamUserObjectPermission.objects.filter(
        content_object_id=team_id, permission__codename__in=codenames
    ).values("user_id")


def member_ids_of(teams, *codenames: str):
    """User ids holding a team right on any of `teams` (a queryset or ids)."""
    codenames = codenames or (WORK, MANAGE)
    return CareTeamUserObjectPermission.objects.filter(
        content_object__in=teams, permission__codename__in=codenames
    ).values("user_id")
