from django.conf import settings


def session_timeout(request):
    """The idle timeout, for the page's warning a minute before it (static/js/session.js)."""
    seconds = settings.SESSION_IDLE_TIMEOUT
    return {"session_idle_timeout": seconds, "session_idle_minutes": max(1, round(seconds / 60))}
