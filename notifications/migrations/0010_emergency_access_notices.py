"""Notices of emergency access to the Compliance role: a kind with its grant instead of a task,
keyed once per grant and recipient (the taskless key is the digest's alone now)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("careplans", "0013_emergency_access"),
        ("notifications", "0009_admin_edits_escalation_policies"),
        ("tasks", "0013_saved_filter"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="notification",
            name="notification_once_per_taskless_key",
        ),
        migrations.RemoveConstraint(
            model_name="notification",
            name="notification_task_unless_digest",
        ),
        migrations.RemoveConstraint(
            model_name="notification",
            name="notification_kind_valid",
        ),
        migrations.AddField(
            model_name="notification",
            name="emergency_access",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="careplans.emergencyaccess",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("overdue", "Overdue"),
                    ("escalation", "Escalation"),
                    ("waiting_expired", "Wait ended"),
                    ("reassigned", "Reassigned to you"),
                    ("reopened", "Reopened for you"),
                    ("step_next", "Your step is next"),
                    ("emergency_access", "Emergency access"),
                    ("digest", "Daily digest"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("emergency_access__isnull", True), ("task__isnull", True)),
                fields=("recipient", "kind", "level", "day"),
                name="notification_once_per_taskless_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("emergency_access__isnull", False)),
                fields=("emergency_access", "recipient"),
                name="notification_once_per_emergency_access",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "overdue",
                            "escalation",
                            "waiting_expired",
                            "reassigned",
                            "reopened",
                            "step_next",
                            "emergency_access",
                            "digest",
                        ],
                    )
                ),
                name="notification_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("emergency_access__isnull", True), ("kind", "digest"), ("task__isnull", True)),
                    models.Q(
                        ("emergency_access__isnull", False),
                        ("kind", "emergency_access"),
                        ("task__isnull", True),
                    ),
                    models.Q(
                        models.Q(("kind__in", ("digest", "emergency_access")), _negated=True),
                        ("emergency_access__isnull", True),
                        ("task__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="notification_task_unless_digest",
            ),
        ),
    ]
