"""The complete access log (issue #11): each row's address, reason (view, export, emergency) and
outcome (shown, refused); bulk export rows (no patient, a count and the filter); the patient's
team on the row, filled in for the rows already written, so a manager's audit is one index; the
audit's indexes; the right to review it, held by the new Compliance role. On PostgreSQL a trigger
refuses UPDATE and DELETE on the table whoever runs them (the demo's wipe truncates, which the
trigger does not see)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from accounts.roles import sync_in_migration


def fill_care_team(apps, schema_editor):
    """The rows written before this migration: their patient's team now."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE careplans_patientaccesslog SET care_team_id = (SELECT care_team_id FROM"
            " careplans_patient WHERE careplans_patient.id = careplans_patientaccesslog.patient_id)"
        )


APPEND_ONLY = """
CREATE FUNCTION careplans_accesslog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The access log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER careplans_accesslog_append_only BEFORE UPDATE OR DELETE ON careplans_patientaccesslog
    FOR EACH ROW EXECUTE FUNCTION careplans_accesslog_append_only();
"""
NOT_APPEND_ONLY = """
DROP TRIGGER careplans_accesslog_append_only ON careplans_patientaccesslog;
DROP FUNCTION careplans_accesslog_append_only();
"""


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)


def not_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NOT_APPEND_ONLY)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_access_log_moved_to_careplans"),
        ("careplans", "0013_emergency_access"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="patientaccesslog",
            options={
                "ordering": ["-viewed_at", "-id"],
                "permissions": [
                    (
                        "review_access_log",
                        "Can review who viewed or changed the patients of teams they manage",
                    ),
                    (
                        "review_practice_access_log",
                        "Can review who viewed or changed any patient of the practice",
                    ),
                ],
            },
        ),
        migrations.RemoveIndex(
            model_name="patientaccesslog",
            name="accesslog_patient_idx",
        ),
        migrations.AddField(
            model_name="patientaccesslog",
            name="address",
            field=models.GenericIPAddressField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="patientaccesslog",
            name="care_team",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.careteam",
            ),
        ),
        migrations.AddField(
            model_name="patientaccesslog",
            name="filter",
            field=models.CharField(
                blank=True, help_text="A bulk export: the filter it used.", max_length=500
            ),
        ),
        migrations.AddField(
            model_name="patientaccesslog",
            name="outcome",
            field=models.CharField(
                choices=[("shown", "Shown"), ("refused", "Refused")], default="shown", max_length=10
            ),
        ),
        migrations.AddField(
            model_name="patientaccesslog",
            name="patient_count",
            field=models.PositiveIntegerField(
                blank=True, help_text="A bulk export: how many patients it held.", null=True
            ),
        ),
        migrations.AddField(
            model_name="patientaccesslog",
            name="reason",
            field=models.CharField(
                choices=[("view", "View"), ("export", "Export"), ("emergency", "Emergency")],
                default="view",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="patientaccesslog",
            name="patient",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="careplans.patient",
            ),
        ),
        migrations.AlterField(
            model_name="patientaccesslog",
            name="viewed_at",
            field=models.DateTimeField(auto_now_add=True),
        ),
        migrations.AddIndex(
            model_name="patientaccesslog",
            index=models.Index(fields=["viewed_at", "id"], name="accesslog_time_idx"),
        ),
        migrations.AddIndex(
            model_name="patientaccesslog",
            index=models.Index(fields=["patient", "viewed_at", "id"], name="accesslog_patient_idx"),
        ),
        migrations.AddIndex(
            model_name="patientaccesslog",
            index=models.Index(fields=["user", "viewed_at", "id"], name="accesslog_user_idx"),
        ),
        migrations.AddIndex(
            model_name="patientaccesslog",
            index=models.Index(fields=["reason", "viewed_at", "id"], name="accesslog_reason_idx"),
        ),
        migrations.AddIndex(
            model_name="patientaccesslog",
            index=models.Index(fields=["care_team", "viewed_at", "id"], name="accesslog_team_idx"),
        ),
        migrations.AlterField(
            model_name="patientaccesslog",
            name="patient",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="careplans.patient",
            ),
        ),
        migrations.AlterField(
            model_name="patientaccesslog",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="patientaccesslog",
            index=models.Index(
                condition=models.Q(("outcome", "refused")),
                fields=["viewed_at", "id"],
                name="accesslog_refused_idx",
            ),
        ),
        migrations.RunPython(fill_care_team, migrations.RunPython.noop),
        migrations.RunPython(append_only, not_append_only),
        migrations.RunPython(sync_in_migration, migrations.RunPython.noop),
    ]
