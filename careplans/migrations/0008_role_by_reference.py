"""A template task names its owner's role by reference to the role's group, no longer by the
group's name: an admin renaming a role no longer leaves its template tasks without an owner."""

import django.db.models.deletion
from django.db import migrations, models

HELP = (
    "A member of the patient's care team in this role owns the task (the one with the least open "
    "work; the patient's primary provider first if they hold the role)."
)


def names_to_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for model in ("TemplateTask", "HistoricalTemplateTask"):
        rows = apps.get_model("careplans", model).objects
        for name in rows.values_list("assignee_role", flat=True).distinct():
            group, _ = Group.objects.get_or_create(name=name)
            rows.filter(assignee_role=name).update(assignee_group=group)


def groups_to_names(apps, schema_editor):
    for model in ("TemplateTask", "HistoricalTemplateTask"):
        rows = apps.get_model("careplans", model).objects
        for group_id, name in rows.values_list("assignee_group", "assignee_group__name").distinct():
            rows.filter(assignee_group=group_id).update(assignee_role=name)


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
        migrations.RunPython(names_to_groups, groups_to_names),
        migrations.RemoveField(model_name="historicaltemplatetask", name="assignee_role"),
        migrations.RemoveField(model_name="templatetask", name="assignee_role"),
        migrations.AlterField(
            model_name="templatetask",
            name="assignee_group",
            field=models.ForeignKey(
                help_text=HELP,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="auth.group",
                verbose_name="owner's role",
            ),
        ),
    ]
