"""An escalation policy names its second level's role by reference to the role's group, no
longer by the group's name: renaming a role in the admin no longer silences level 2."""

import django.db.models.deletion
from django.db import migrations, models

HELP = "The second level: members of the task's care team who hold this role."


def names_to_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for model in ("EscalationPolicy", "HistoricalEscalationPolicy"):
        rows = apps.get_model("notifications", model).objects
        for name in rows.values_list("second_level_role", flat=True).distinct():
            group, _ = Group.objects.get_or_create(name=name)
            rows.filter(second_level_role=name).update(second_level_group=group)


def groups_to_names(apps, schema_editor):
    for model in ("EscalationPolicy", "HistoricalEscalationPolicy"):
        rows = apps.get_model("notifications", model).objects
        for group_id, name in rows.values_list("second_level_group", "second_level_group__name").distinct():
            rows.filter(second_level_group=group_id).update(second_level_role=name or "Provider")


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
        migrations.RunPython(names_to_groups, groups_to_names),
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
