from django.contrib.auth.management import create_permissions
from django.db import migrations


def sync_roles(apps, schema_editor):
    """Providers, coordinators and medical assistants get the dashboard right (each sees their own
    slice); the roles are re-seeded from accounts.roles.ROLE_PERMISSIONS, as 0003 did."""
    # Permissions are normally created after migrate; create them now so the roles can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    from accounts.roles import sync_role_permissions

    sync_role_permissions(apps, skip_missing=True)  # rights of apps migrated later: their own migration


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_seed_roles")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
