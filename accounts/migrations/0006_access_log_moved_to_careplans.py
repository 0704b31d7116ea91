"""The patient access log now belongs to careplans (careplans 0006 takes over its table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_team_rights_are_per_user"),
        ("careplans", "0006_patient_access_log"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PatientAccessLog")],
            database_operations=[],
        ),
    ]
