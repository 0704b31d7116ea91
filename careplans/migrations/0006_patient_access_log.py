"""The patient access log moves beside the patient, from accounts (accounts no longer refers to
careplans). The table is kept as it is and only renamed: no row is copied."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("careplans", "0005_mrn_search_index"),
        ("accounts", "0005_team_rights_are_per_user"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PatientAccessLog",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("viewed_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("path", models.CharField(max_length=300)),
                        (
                            "patient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="careplans.patient",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-viewed_at"],
                        "db_table": "accounts_patientaccesslog",
                        "indexes": [
                            models.Index(fields=["patient", "-viewed_at"], name="accesslog_patient_idx")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
