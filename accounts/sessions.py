"""The session engine (settings.SESSION_ENGINE): Django's database sessions, each row stamped with
its user's id, so that a user's sessions can be found and ended without decoding every row."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls):
        from accounts.models import UserSession

        return UserSession

    def create_model_instance(self, data):
        row = super().create_model_instance(data)
        try:
            row.user_id = int(data.get(SESSION_KEY))
        except (TypeError, ValueError):
            row.user_id = None
        return row


def end_sessions_of(user) -> int:
    """Sign `user` out everywhere: their next request finds no session. Returns how many ended."""
    from accounts.models import UserSession

    deleted, _ = UserSession.objects.filter(user=user).delete()
    return deleted
