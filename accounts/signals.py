"""Sign-in events: each logged with the username and the address (never a password: Django
hands the failed credentials over with the password masked), the session's clock started at
sign-in, and a deactivated user's sessions ended. Connected in AccountsConfig.ready."""

import logging

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.lockout import client_address
from accounts.middleware import mark_signed_in
from accounts.sessions import end_sessions_of

log = logging.getLogger("followthrough.auth")


def _address(request) -> str | None:
    return client_address(request) if request is not None else None


@receiver(user_logged_in)
def signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        mark_signed_in(request.session)
    log.info("login: username=%r address=%s", user.get_username(), _address(request))


@receiver(user_logged_out)
def signed_out(sender, request, user, **kwargs):
    if user is not None:
        log.info("logout: username=%r address=%s", user.get_username(), _address(request))


@receiver(user_login_failed)
def sign_in_failed(sender, credentials, request=None, **kwargs):
    log.warning("login failed: username=%r address=%s", credentials.get("username"), _address(request))


@receiver(user_locked_out)
def sign_in_locked_out(sender, request, username, ip_address, **kwargs):
    log.warning("login locked out: username=%r address=%s", username, ip_address)


@receiver(post_save, sender=get_user_model())
def deactivated(sender, instance, **kwargs):
    """A deactivated user is signed out everywhere at once, not at their next request."""
    if not instance.is_active:
        ended = end_sessions_of(instance)
        if ended:
            log.info("sessions ended on deactivation: user_id=%s sessions=%s", instance.pk, ended)
