"""Roles re-seeded from accounts.roles.ROLE_PERMISSIONS: the dashboard's slice by right
(managers: teams, providers: their patients) instead of by role name, and the access log's
right from its new app (careplans)."""

from django.db import migrations

from accounts.roles import sync_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0007_dashboard_scope_rights"),
        ("careplans", "0007_patient_access_log_table"),
        ("accounts", "0006_access_log_moved_to_careplans"),
    ]

    operations = [migrations.RunPython(sync_in_migration, migrations.RunPython.noop)]
