"""An escalation policy names its second level's role by reference to the role's group, no
longer by the group's name: renaming a role in the admin no longer silences level 2."""

import django.db.models.deletion
from django.db import migrations, models

HELP = "The second level: members of the task's care team who hold this role."


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("accounts", "0003_seed_roles"),
        ("notifications", "0004_unread_badge_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="escalationpolicy",
            name="second_level_group",
            field=models.ForeignKey(
                blank=True,
                help_text=HELP,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="auth.group",
                verbose_name="second level role",
            ),
        ),
        migrations.AddField(
            model_name="historicalescalationpolicy",
            name="second_level_group",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text=HELP,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="auth.group",
                verbose_name="second level role",
            ),
        ),
    ]
