from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("careplans", "0006_patient_access_log"),
        ("accounts", "0006_access_log_moved_to_careplans"),
    ]

    operations = [migrations.AlterModelTable(name="patientaccesslog", table=None)]
