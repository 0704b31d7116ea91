"""The Admin role may see failed logins and unlock a username or an address (django-axes' admin);
the roles are re-seeded from accounts.roles.ROLE_PERMISSIONS, after axes' models exist."""

from django.db import migrations

from accounts.roles import sync_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_access_log_moved_to_careplans"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(sync_in_migration, migrations.RunPython.noop)]
