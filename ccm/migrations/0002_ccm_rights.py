"""The CCM rights (ccm.view_ccm, record_time, manage_consent, export_billing, qhp_time) given to
their roles: the roles are re-seeded from accounts.roles.ROLE_PERMISSIONS."""

from django.db import migrations

from accounts.roles import sync_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("ccm", "0001_ccm"),
        ("accounts", "0009_admin_reads_no_access_log"),
        ("careplans", "0014_access_log_complete"),
        ("tasks", "0014_activity_audit_indexes"),
        ("notifications", "0011_notification_email_started_at"),
    ]

    operations = [migrations.RunPython(sync_in_migration, migrations.RunPython.noop)]
