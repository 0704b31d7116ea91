"""The Celery app. Jobs live in each app's jobs.py; the whole beat schedule lives here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("followthrough")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")

# One entry per job, with when and why. Later issues add the notification jobs here.
app.conf.beat_schedule = {}
