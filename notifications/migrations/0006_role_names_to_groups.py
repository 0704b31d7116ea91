"""Each row's role name becomes a reference to that role's group (created if an admin had
removed it, so no row loses its role). Its own migration: on PostgreSQL the rows' updates and
the schema changes that follow cannot share a transaction."""

from django.db import migrations


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
    dependencies = [("notifications", "0005_role_by_reference")]

    operations = [migrations.RunPython(names_to_groups, groups_to_names)]
