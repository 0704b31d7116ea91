"""A template task names its owner's role by reference to the role's group, no longer by the
group's name: an admin renaming a role no longer leaves its template tasks without an owner."""

import django.db.models.deletion
from django.db import migrations, models

HELP = (
    "A member of the patient's care team in this role owns the task (the one with the least open "
    "work; the patient's primary provider first if they hold the role)."
)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("accounts", "0003_seed_roles"),
        ("careplans", "0007_patient_access_log_table"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicaltemplatetask",
            name="assignee_group",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text=HELP,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="auth.group",
                verbose_name="owner's role",
            ),
        ),
        migrations.AddField(
            model_name="templatetask",
            name="assignee_group",
            field=models.ForeignKey(
                help_text=HELP,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="auth.group",
                verbose_name="owner's role",
            ),
        ),
    ]
