"""Who the load test signs in as (`manage.py loadtest_prepare`), on the load test's own copy of
the bench practice only.

Coordinators and medical assistants are the practice's own, those with the most open work first.
Managers must pass two-factor sign-in: each gets an authenticator whose key is written to the
staff file, so the simulated manager computes its codes as a phone would and types them into the
real verify page. A code is accepted once (django-otp refuses a replay), so one manager login
serves one simulated manager at a time; the practice's managers are topped up with
`loadtest.manager<n>` accounts managing the same teams as the seed's."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, Q
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import CareTeamUserObjectPermission
from accounts.roles import Role
from careplans.models import Patient
from tasks.choices import OPEN_STATUSES

EXTRA_MANAGER = "loadtest.manager{}"
DEVICE_NAME = "load test authenticator"
SEARCHES = 400


def workers(limit: int) -> list[str]:
    """Active coordinators and medical assistants who own open tasks, the busiest first."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=(Role.COORDINATOR, Role.MEDICAL_ASSISTANT))
        .annotate(open_tasks=Count("owned_tasks", filter=Q(owned_tasks__status__in=OPEN_STATUSES)))
        .filter(open_tasks__gt=0)
        .order_by("-open_tasks", "username")
        .values_list("username", flat=True)[:limit]
    )


def _copy_teams(source, target) -> None:
    for row in CareTeamUserObjectPermission.objects.filter(user=source):
        CareTeamUserObjectPermission.objects.get_or_create(
            user=target, permission_id=row.permission_id, content_object_id=row.content_object_id
        )


def set_password(usernames: list[str]) -> None:
    """The demo password, hashed by the running settings' hasher (the bench loads its staff under
    the test settings' fast one, which production settings do not verify); one hash for all."""
    get_user_model().objects.filter(username__in=usernames).update(
        password=make_password(settings.DEMO_PASSWORD)
    )


def managers(count: int) -> list[str]:
    """`count` manager logins: the practice's managers, then loadtest.manager<n> accounts, each
    managing the same teams as one of the practice's."""
    User = get_user_model()
    group = Group.objects.get(name=Role.MANAGER)
    seeded = list(
        User.objects.filter(is_active=True, groups=group)
        .exclude(username__startswith="loadtest.")
        .order_by("username")
    )
    if not seeded:
        raise LookupError("the practice has no manager: is it loaded?")
    names = [u.username for u in seeded[:count]]
    for n in range(len(seeded) + 1, count + 1):
        user, created = User.objects.get_or_create(username=EXTRA_MANAGER.format(n))
        if created:
            user.first_name, user.last_name = "Load", f"Manager {n}"
            user.set_unusable_password()  # set_password() below gives everyone the same
            user.save()
            user.groups.add(group)
            _copy_teams(seeded[(n - 1) % len(seeded)], user)
        names.append(user.username)
    return names


def authenticator(username: str) -> str:
    """A fresh confirmed authenticator for `username`, replacing any other (a device the bench
    made has a key nobody knows, and a wrong code against it would throttle the sign-in).
    Returns its key (hex)."""
    user = get_user_model().objects.get(username=username)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    key = secrets.token_hex(20)
    TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key, confirmed=True)
    return key


def searches(count: int = SEARCHES) -> list[str]:
    """What the front desk types: the start of a last name, "First Last", part of an MRN."""
    picked = Patient.objects.order_by("?").values_list("first_name", "last_name", "mrn")[: count // 3 + 1]
    texts = []
    for first, last, mrn in picked:
        texts += [last[:5], f"{first} {last}", mrn[2:7]]
    return texts[:count]


@transaction.atomic
def prepare(*, path: Path, workers_count: int, managers_count: int) -> dict:
    staff = {
        "password": settings.DEMO_PASSWORD,
        "workers": workers(workers_count),
        "managers": [
            {"username": name, "totp_key": authenticator(name)} for name in managers(managers_count)
        ],
        "searches": searches(),
    }
    if not staff["workers"]:
        raise LookupError("no coordinator owns open tasks: is the practice loaded?")
    set_password(staff["workers"] + [m["username"] for m in staff["managers"]])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(staff, indent=2) + "\n")
    path.chmod(0o600)  # authenticator keys
    return staff
