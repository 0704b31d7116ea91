"""The production settings (config.settings) for the app the fault tests run under gunicorn,
but for static files: the tests do not collect them, and the manifest storage would fail every
page on a missing manifest. Database connections are production's: kept for CONN_MAX_AGE,
health-checked before reuse."""

from config.settings import *  # noqa: F403
from config.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
