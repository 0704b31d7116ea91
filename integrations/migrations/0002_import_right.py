"""The import right, given to managers (the roles are re-seeded from
accounts.roles.ROLE_PERMISSIONS)."""

from django.db import migrations

from accounts.roles import sync_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_calendar_feed"),
    ]

    operations = [
        migrations.RunPython(sync_in_migration, migrations.RunPython.noop),
    ]
