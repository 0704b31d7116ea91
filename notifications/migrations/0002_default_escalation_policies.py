from django.db import migrations

# The practice default, and high-risk patients sooner. Admins edit or add rows per program.
DEFAULTS = [
    {"risk_level": "", "first_level_after_days": 3, "second_level_after_days": 7},
    {"risk_level": "high", "first_level_after_days": 1, "second_level_after_days": 3},
]


def add_defaults(apps, schema_editor):
    EscalationPolicy = apps.get_model("notifications", "EscalationPolicy")
    for values in DEFAULTS:
        EscalationPolicy.objects.get_or_create(
            program=None,
            risk_level=values["risk_level"],
            defaults={**values, "second_level_role": "Provider"},
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
