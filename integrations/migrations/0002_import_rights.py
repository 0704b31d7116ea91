"""The rights to import from a spreadsheet: every kind for managers, appointments only for the
front desk (the roles are re-seeded from accounts.roles.ROLE_PERMISSIONS)."""

from django.db import migrations

from accounts.roles import sync_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_imports"),
        ("careplans", "0015_patient_deceased_appointment_status"),
        ("notifications", "0012_appointment_cancelled_notices"),
        ("tasks", "0014_activity_audit_indexes"),
    ]

    operations = [migrations.RunPython(sync_in_migration, migrations.RunPython.noop)]
