"""The Celery app. Jobs live in each app's jobs.py; the whole beat schedule lives here."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("followthrough")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")

# One entry per job, with when and why. Later issues add the notification jobs here.
app.conf.beat_schedule = {
    # 00:10 practice time (CELERY_TIMEZONE) every day: the dashboard trend's backlog and overdue
    # counts as they stood at 00:00, per team, location, program and owner. After midnight so
    # the day it snapshots has begun; before 02:00 so no daylight saving change falls between.
    "dashboards-daily-snapshot": {
        "task": "dashboards.jobs.take_daily_snapshot",
        "schedule": crontab(hour=0, minute=10),
    },
}
