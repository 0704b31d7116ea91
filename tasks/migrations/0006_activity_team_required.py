"""Activity.care_team is always set (0005 filled it in; a migration of its own, so PostgreSQL
checks the filled-in keys before the column is altered), and indexed for the flow metrics."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0005_fill_activity_team_and_status_since"),
    ]

    operations = [
        migrations.AlterField(
            model_name="activity",
            name="care_team",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.careteam"
            ),
        ),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                condition=models.Q(
                    ("from_status__in", ["new", "in_progress", "waiting"]), ("kind", "status_change")
                ),
                fields=[
                    "care_team",
                    "created_at",
                    "from_status",
                    "from_status_since",
                    "patient",
                    "task",
                    "id",
                ],
                name="activity_team_exit_idx",
            ),
        ),
    ]
