# Reschedules per closed task (dashboards.counts): which tasks had their due date moved later.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0010_bulk_change_right"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                condition=models.Q(("kind", "reschedule")),
                fields=["task"],
                name="activity_reschedule_task_idx",
            ),
        ),
    ]
