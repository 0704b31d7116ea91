"""Emergency access (break the glass): its grants, and the rights to use it (providers and
coordinators) and to hear of it (the Compliance role, created here if it does not exist: the
roles are re-seeded from accounts.roles.ROLE_PERMISSIONS, by name, get or create)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from accounts.roles import sync_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("careplans", "0012_search_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalEmergencyAccess",
            fields=[
                (
                    "id",
                    models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID"),
                ),
                ("reason", models.TextField()),
                ("granted_at", models.DateTimeField()),
                ("expires_at", models.DateTimeField()),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="careplans.patient",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical emergency access",
                "verbose_name_plural": "historical emergency accesses",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="EmergencyAccess",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reason", models.TextField()),
                ("granted_at", models.DateTimeField()),
                ("expires_at", models.DateTimeField()),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="emergency_accesses",
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
                "verbose_name": "emergency access",
                "verbose_name_plural": "emergency accesses",
                "ordering": ["-granted_at"],
                "permissions": [
                    ("emergency_access", "Open a patient outside their teams in an emergency, with a reason"),
                    ("hear_emergency_access", "Hear of every emergency access"),
                ],
                "indexes": [models.Index(fields=["user", "expires_at"], name="emergency_user_expiry_idx")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("expires_at__gt", models.F("granted_at"))),
                        name="emergency_expires_after_grant",
                    )
                ],
            },
        ),
        migrations.RunPython(sync_in_migration, migrations.RunPython.noop),
    ]
