"""Users the benchmark runs as beyond the seed's own (created on the bench database only)."""

from django.contrib.auth import get_user_model
from django.db import transaction

EVERY_TEAM_MANAGER = "bench.director"
OPERATOR = "bench.operator"


def every_team_manager() -> None:
    """The widest scope a user can have, a manager of every team (a practice's director): the
    search looks through every patient. Committed; a second call changes nothing."""
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    from accounts.models import CareTeam
    from accounts.roles import Role

    with transaction.atomic():
        user, created = get_user_model().objects.get_or_create(username=EVERY_TEAM_MANAGER)
        if created:
            user.set_unusable_password()
            user.save()
            user.groups.add(Group.objects.get(name=Role.MANAGER))
        assign_perm("accounts.manage_careteam", user, CareTeam.objects.all())


def operator() -> None:
    """The operator's superuser, the only user who sees tasks in the admin (accounts.admin_base):
    for the admin's task list, the queue's reference. Committed; a second call changes nothing."""
    from accounts.models import User

    if not User.objects.filter(username=OPERATOR).exists():
        user = User(username=OPERATOR, is_staff=True, is_superuser=True)
        user.set_unusable_password()
        user._change_reason = "bench: the admin's task list as a reference"
        user.save()
