"""Providers, coordinators and medical assistants get the dashboard right (each sees their own
slice); the roles are re-seeded from accounts.roles.ROLE_PERMISSIONS, as 0003 did."""

from django.db import migrations

from accounts.roles import sync_in_migration


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_seed_roles")]

    operations = [migrations.RunPython(sync_in_migration, migrations.RunPython.noop)]
