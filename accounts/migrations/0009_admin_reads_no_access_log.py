"""Roles re-seeded from accounts.roles.ROLE_PERMISSIONS: the Admin role no longer reads the patient
access log (who opened which patient is the audit's, for Compliance and managers)."""

from django.db import migrations

from accounts.roles import sync_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_user_session"),
        ("careplans", "0014_access_log_complete"),
        ("tasks", "0014_activity_audit_indexes"),
        ("notifications", "0011_notification_email_started_at"),
    ]

    operations = [migrations.RunPython(sync_in_migration, migrations.RunPython.noop)]
