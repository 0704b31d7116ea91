from django.db import migrations, models

HELP = "The second level: members of the task's care team who hold this role."


class Migration(migrations.Migration):
    dependencies = [("notifications", "0006_role_names_to_groups")]

    operations = [
        migrations.RemoveField(model_name="escalationpolicy", name="second_level_role"),
        migrations.RemoveField(model_name="historicalescalationpolicy", name="second_level_role"),
        migrations.AddConstraint(
            model_name="escalationpolicy",
            constraint=models.CheckConstraint(
                condition=models.Q(second_level_after_days__isnull=True)
                | models.Q(second_level_group__isnull=False),
                name="escalation_second_level_has_role",
            ),
        ),
    ]
