"""Each row's role name becomes a reference to that role's group (created if an admin had
removed it, so no row loses its role). Its own migration: on PostgreSQL the rows' updates and
the schema changes that follow cannot share a transaction."""

from django.db import migrations


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
    dependencies = [("careplans", "0008_role_by_reference")]

    operations = [migrations.RunPython(names_to_groups, groups_to_names)]
