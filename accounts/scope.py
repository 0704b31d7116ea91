"""Object scope: which care teams a user works in. The only place team rights are read.

Team rights are granted to users, one row per (user, team, right) in
CareTeamUserObjectPermission; that row is the membership. Groups carry roles, never scope.
"""

from django.contrib.auth.models import Permission

from accounts.models import CareTeamUserObjectPermission, TeamRight

WORK = TeamRight.MEMBER.value
MANAGE = TeamRight.MANAGER.value


def team_ids_for(user, *codenames: str):
    """A subquery of the ids of teams on which `user` holds any of `codenames` (default: any
    team right). Deny by default: anonymous or inactive → none."""
    codenames = codenames or (WORK, MANAGE)
    if not user.is_authenticated or not user.is_active:
        return CareTeamUserObjectPermission.objects.none().values("content_object_id")
    return CareTeamUserObjectPermission.objects.filter(user=user, permission__codename__in=codenames).values(
        "content_object_id"
    )


def team_rights(user) -> dict[str, list[int]]:
    """The ids of the teams `user` works in ("work") and manages ("manage"), as lists, read once
    per user object (a request's user lives for one request; jobs load their users afresh).
    Deny by default: anonymous or inactive → none."""
    if not user.is_authenticated or not user.is_active:
        return {"work": [], "manage": []}
    cached = getattr(user, "_followthrough_team_rights", None)
    if cached is None:
        cached = set_team_rights(
            user, team_ids_for(user).values_list("permission__codename", "content_object_id")
        )
    return cached


def set_team_rights(user, rows) -> dict[str, list[int]]:
    """Cache `rows` of (codename, team id) as `user`'s team rights (careplans reads them with
    the patient grants, in one query)."""
    rights = {"work": [], "manage": []}
    for codename, team_id in rows:
        rights["manage" if codename == MANAGE else "work"].append(team_id)
    user._followthrough_team_rights = {key: sorted(ids) for key, ids in rights.items()}
    return user._followthrough_team_rights


def team_id_list(user) -> list[int]:
    """The teams `user` works in or manages, as a literal list: PostgreSQL then estimates how
    many patients and tasks a scope selects; behind a subquery it guessed a few hundred where a
    team has thousands, and picked nested loops that took 100x longer."""
    rights = team_rights(user)
    return sorted({*rights["work"], *rights["manage"]})


def manages(user, team_id: int) -> bool:
    return team_id in team_rights(user)["manage"]


def managed_team_ids(user):
    return team_ids_for(user, MANAGE)


def is_active_member(user_id: int, team_id: int) -> bool:
    """Whether the user is active and holds a team right (works in or manages) on the team."""
    return user_ids_in_team(team_id).filter(user_id=user_id, user__is_active=True).exists()


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


def rights(*codenames: str, ids_first: bool = False):
    """The team-right rows (user, team) of `codenames` (default: any team right), as a queryset
    for callers that join them to a team's tasks (escalation recipients, digest counts).
    `ids_first`: look the rights' ids up in a query of their own first. Joined into a big query,
    PostgreSQL misjudged the permission and content type tables and probed the tasks once per
    content type (escalation)."""
    codenames = codenames or (WORK, MANAGE)
    permissions = Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames)
    if ids_first:
        return CareTeamUserObjectPermission.objects.filter(
            permission_id__in=list(permissions.values_list("pk", flat=True))
        )
    return CareTeamUserObjectPermission.objects.filter(permission__in=permissions)


def active_members(team_ids) -> dict[int, dict]:
    """Per team: its active members' ids (workers and managers), and its first active manager by
    user id (who takes work nobody else can): {team id: {"members": set, "manager": id|None}}.
    One query for any number of teams."""
    teams = {team_id: {"members": set(), "manager": None} for team_id in team_ids}
    rows = (
        CareTeamUserObjectPermission.objects.filter(
            content_object_id__in=list(teams),
            permission__codename__in=(WORK, MANAGE),
            permission__content_type__app_label="accounts",
            user__is_active=True,
        )
        .order_by("user_id")
        .values_list("content_object_id", "user_id", "permission__codename")
    )
    for team_id, user_id, codename in rows:
        teams[team_id]["members"].add(user_id)
        if codename == MANAGE and teams[team_id]["manager"] is None:
            teams[team_id]["manager"] = user_id
    return teams


def held_rights():
    """Every team right held, with its team and right loaded, by team, managers first: what the
    admin lists as "Manager of Riverside Team A". Callers filter it by user or team."""
    return (
        rights()
        .select_related("content_object", "permission")
        .order_by("content_object__name", "permission__codename", "user_id")
    )
