"""Fill in Activity.care_team from the tasks, and from_status_since from each task's previous
status event, in SQL both PostgreSQL and SQLite run."""

from django.db import migrations

FILL_CARE_TEAM = """
UPDATE tasks_activity SET care_team_id = (
    SELECT t.care_team_id FROM tasks_task t WHERE t.id = tasks_activity.task_id
)
"""

FILL_STATUS_SINCE = """
UPDATE tasks_activity SET from_status_since = (
    SELECT p.created_at FROM tasks_activity p
    WHERE p.task_id = tasks_activity.task_id
      AND p.kind IN ('created', 'status_change')
      AND (p.created_at < tasks_activity.created_at
           OR (p.created_at = tasks_activity.created_at AND p.id < tasks_activity.id))
    ORDER BY p.created_at DESC, p.id DESC
    LIMIT 1
)
WHERE kind = 'status_change'
"""


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0004_activity_team_and_status_since"),
    ]

    operations = [
        migrations.RunSQL(FILL_CARE_TEAM, migrations.RunSQL.noop),
        migrations.RunSQL(FILL_STATUS_SINCE, migrations.RunSQL.noop),
    ]
