"""The Celery app. Jobs live in each app's jobs.py; the whole beat schedule lives here."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("followthrough")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")
app.autodiscover_tasks(["integrations.imports"], related_name="jobs")  # the spreadsheet import's job

# One entry per job, with when and why. Later issues add the notification jobs here.
app.conf.beat_schedule = {
    # 00:10 practice time (CELERY_TIMEZONE) every day: the dashboard trend's backlog and overdue
    # counts as they stood at 00:00, per team, location, program and owner. After midnight so
    # the day it snapshots has begun; before 02:00 so no daylight saving change falls between.
    "dashboards-daily-snapshot": {
        "task": "dashboards.jobs.take_daily_snapshot",
        "schedule": crontab(hour=0, minute=10),
    },
    # Every 10 minutes: the dashboard's kept open-work counts summed up, and rebuilt at the
    # first run after midnight (practice time). They stay exact meanwhile (written with every
    # task change); the dashboard counts its tasks instead if a whole day passes without one.
    "dashboards-open-counts": {
        "task": "dashboards.jobs.maintain_open_counts",
        "schedule": crontab(minute="3-59/10"),
        "options": {"expires": 9 * 60},
    },
    # Every 10 minutes: the dashboard's flow rows of the last five weeks' closed days rebuilt
    # (dashboards.flow_days), so a task changed after its closing day is counted as it stands
    # within 10 minutes; the first run after midnight adds yesterday. Off the open counts' minute.
    "dashboards-flow-days": {
        "task": "dashboards.jobs.maintain_flow_days",
        "schedule": crontab(minute="7-59/10"),
        "options": {"expires": 9 * 60},
    },
    # Every 15 minutes: owners hear of tasks that went overdue (at local midnight) within a
    # quarter hour of starting work, and of tasks reassigned to them overdue. Cheap when idle:
    # already-announced keys are skipped by index.
    "notifications-overdue-sweep": {
        "task": "notifications.jobs.sweep_overdue",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * 60},
    },
    # Hourly at :05: waits whose waiting-until date has passed go back to their owner. The date
    # turns at local midnight; hourly, so the first run after it (or after beat was down) finds
    # them before the working day starts.
    "notifications-waiting-expired": {
        "task": "notifications.jobs.sweep_waiting_expired",
        "schedule": crontab(minute=5),
        "options": {"expires": 55 * 60},
    },
    # Hourly at :20: overdue work past its escalation policy's threshold (days, so hourly is
    # prompt) goes to the team's managers, then to the second level. Off the quarter hours so
    # it does not share a minute with the sweep.
    "notifications-escalation": {
        "task": "notifications.jobs.escalate_overdue",
        "schedule": crontab(minute=20),
        "options": {"expires": 55 * 60},
    },
    # On the hour: digests for users whose chosen hour has come (practice time). A digest
    # missed while beat was down goes out at the next run the same day.
    "notifications-digests": {
        "task": "notifications.jobs.send_digests",
        "schedule": crontab(minute=0),
        "options": {"expires": 55 * 60},
    },
    # Every 15 minutes: re-queue emails whose message was lost (a crash between commit and
    # publish, a broker outage); an email already sent is never sent again.
    "notifications-email-relay": {
        "task": "notifications.jobs.relay_unsent_emails",
        "schedule": crontab(minute="7-59/15"),
        "options": {"expires": 14 * 60},
    },
    # Hourly at :02: recurring check-ins that fell due get their next occurrence even if
    # nobody completed them (completion makes it at once, through complete_task's hook).
    "tasks-recurrence": {
        "task": "tasks.jobs.create_due_occurrences",
        "schedule": crontab(minute=2),
        "options": {"expires": 55 * 60},
    },
}
