from django.contrib.auth.management import create_permissions
from django.db import migrations


def sync_roles(apps, schema_editor):
    """Roles re-seeded from accounts.roles.ROLE_PERMISSIONS: the dashboard's slice by right
    (managers: teams, providers: their patients) instead of by role name, and the access log's
    right from its new app (careplans)."""
    # Permissions are normally created after migrate; create them now so the roles can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    from accounts.roles import sync_role_permissions

    sync_role_permissions(apps, skip_missing=True)  # rights of apps migrated later: their own migration


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0007_dashboard_scope_rights"),
        ("careplans", "0007_patient_access_log_table"),
        ("accounts", "0006_access_log_moved_to_careplans"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
