"""The two kinds of account that use the admin, each made by a management command and logged:
a practice admin (staff, the Admin role: users, roles, teams, programs, templates, policies) and
the operator's superuser, for break-glass only (every right, patient records in the admin).
Neither is made from the admin by a practice admin (accounts.admin)."""

import logging

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver

from accounts.models import User
from accounts.roles import Role

log = logging.getLogger("accounts.security")


def create_admin(
    *, username: str, password: str, email: str = "", first_name: str = "", last_name: str = ""
) -> User:
    """A practice admin: uses the admin, holds the Admin role, works in no team."""
    with transaction.atomic():
        user = _new_user(
            User(username=username, email=email, first_name=first_name, last_name=last_name, is_staff=True),
            password,
            reason="Admin, created by manage.py create_admin",
        )
        user.groups.add(Group.objects.get(name=Role.ADMIN))
    log.info("admin account %s created by manage.py create_admin", username)
    return user


def create_operator(*, username: str, password: str, reason: str, email: str = "") -> User:
    """The operator's break-glass superuser, with the reason it exists in its history."""
    user = _new_user(
        User(username=username, email=email, is_staff=True, is_superuser=True),
        password,
        reason=f"Operator, created by manage.py create_operator: {reason}",
    )
    log.warning("superuser %s created by manage.py create_operator: %s", username, reason)
    return user


def _new_user(user: User, password: str, *, reason: str) -> User:
    validate_password(password, user)
    user.set_password(password)
    user._change_reason = reason[:100]
    user.save()
    return user


@receiver(pre_save, sender=User, dispatch_uid="accounts.superuser_granted")
def log_superuser_granted(sender, instance: User, **kwargs) -> None:
    """Every grant of superuser status is logged, whatever made it (create_operator, Django's
    createsuperuser, the shell, the operator in the admin). Asks the database only when the
    saved user is a superuser."""
    if not instance.is_superuser:
        return
    if instance.pk and User.objects.filter(pk=instance.pk, is_superuser=True).exists():
        return
    log.warning("superuser status granted to %s", instance.username)
