"""Test-only overrides. The suite uses PostgreSQL when DATABASE_URL is set, SQLite otherwise."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")

from config.settings import *  # noqa: F403
from config.settings import DATABASES, MIDDLEWARE, STATIC_ROOT, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["OPTIONS"] = {}
DATABASES["default"]["CONN_MAX_AGE"] = 0
# One database for the suite, even when the shell sets DATABASE_REPLICA_URL: each test runs in a
# transaction the standby cannot see. The `replica` alias stays (TEST MIRROR: Django points it at
# the test database's name on the standby's server) for tests/config/test_replica_live.py, which
# routes to it on committed data.
DATABASE_ROUTERS = []
MIDDLEWARE = [m for m in MIDDLEWARE if m != "config.replica.ReadYourWritesMiddleware"]
CELERY_TASK_ALWAYS_EAGER = False
# Uploads the tests make (many never run, so never deleted) stay out of the worktree's var/.
IMPORTS_DIR = Path(tempfile.gettempdir()) / "followthrough-test-imports"

# WhiteNoise warns on every request when STATIC_ROOT is missing; tests never collect static.
os.makedirs(STATIC_ROOT, exist_ok=True)
