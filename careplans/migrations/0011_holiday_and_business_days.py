"""Holidays (the admin's list of closed days) and template steps counted in calendar or business
days; the Admin role is given the holiday list."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from accounts.roles import sync_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("careplans", "0010_role_by_reference_only"),
        ("accounts", "0006_access_log_moved_to_careplans"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Holiday",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField(unique=True)),
                ("name", models.CharField(max_length=80)),
            ],
            options={
                "ordering": ["date"],
            },
        ),
        migrations.AddField(
            model_name="historicaltemplatetask",
            name="due_offset_unit",
            field=models.CharField(
                choices=[("days", "Calendar days"), ("business_days", "Business days")],
                default="days",
                max_length=16,
                verbose_name="counted in",
            ),
        ),
        migrations.AddField(
            model_name="templatetask",
            name="due_offset_unit",
            field=models.CharField(
                choices=[("days", "Calendar days"), ("business_days", "Business days")],
                default="days",
                max_length=16,
                verbose_name="counted in",
            ),
        ),
        migrations.CreateModel(
            name="HistoricalHoliday",
            fields=[
                (
                    "id",
                    models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID"),
                ),
                ("date", models.DateField(db_index=True)),
                ("name", models.CharField(max_length=80)),
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
            ],
            options={
                "verbose_name": "historical holiday",
                "verbose_name_plural": "historical holidays",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        # The Admin role keeps the holiday list (accounts.roles).
        migrations.RunPython(sync_in_migration, migrations.RunPython.noop),
    ]
