from django.contrib.auth.management import create_permissions
from django.db import migrations


def seed_roles(apps, schema_editor):
    # Permissions are normally created after migrate; create them now so the roles can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    from accounts.roles import sync_role_permissions

    sync_role_permissions(apps, skip_missing=True)  # rights of apps migrated later: their own migration


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("careplans", "0001_initial"),
        ("tasks", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed_roles, migrations.RunPython.noop)]
