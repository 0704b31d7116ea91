"""A deployment's first admin and the operator's superuser are made by management commands:
the admin holds the Admin role and is no superuser; every superuser is logged, and its history
keeps why it exists."""

import logging

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.roles import Role

STRONG = "a-long-enough-password-7"


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("FOLLOWTHROUGH_PASSWORD", STRONG)


def test_create_admin_makes_a_staff_user_with_the_admin_role_not_a_superuser(db, password, caplog):
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        call_command("create_admin", "pat", "--noinput", "--first-name", "Pat", "--last-name", "Admin")

    user = User.objects.get(username="pat")
    assert (user.is_staff, user.is_superuser) == (True, False)
    assert [g.name for g in user.groups.all()] == [Role.ADMIN]
    assert user.check_password(STRONG)
    assert user.history.get().history_change_reason == "Admin, created by manage.py create_admin"
    assert "admin account pat created by manage.py create_admin" in caplog.text


def test_create_operator_makes_a_logged_superuser_with_its_reason(db, password, caplog):
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        call_command("create_operator", "ops", "--noinput", "--reason", "restore after outage")

    user = User.objects.get(username="ops")
    assert (user.is_staff, user.is_superuser) == (True, True)
    assert not user.groups.exists()
    assert user.history.get().history_change_reason == (
        "Operator, created by manage.py create_operator: restore after outage"
    )
    assert "superuser ops created by manage.py create_operator: restore after outage" in caplog.text
    assert "superuser status granted to ops" in caplog.text


def test_a_weak_password_or_a_taken_name_creates_nothing(db, monkeypatch, admin):
    monkeypatch.setenv("FOLLOWTHROUGH_PASSWORD", "ops")
    count = User.objects.count()

    with pytest.raises(CommandError, match="too short"):
        call_command("create_operator", "ops", "--noinput", "--reason", "x")
    with pytest.raises(CommandError, match="taken"):
        call_command("create_admin", "admin", "--noinput")

    assert User.objects.count() == count


def test_any_other_way_to_a_superuser_is_logged_too(coordinator, caplog):
    with caplog.at_level(logging.WARNING, logger="accounts.security"):
        coordinator.is_superuser = True
        coordinator.save()
        coordinator.save()  # already one: logged once

    assert caplog.text.count("superuser status granted to coordinator") == 1
