"""Roles re-seeded from accounts.roles.ROLE_PERMISSIONS: the Admin role edits escalation
policies (the README sends admins to them), which only a superuser could before."""

from django.db import migrations

from accounts.roles import sync_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0008_handoff_notices"),
        ("tasks", "0013_saved_filter"),
        ("careplans", "0012_search_indexes"),
    ]

    operations = [migrations.RunPython(sync_in_migration, migrations.RunPython.noop)]
