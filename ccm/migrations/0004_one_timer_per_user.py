from django.conf import settings
from django.db import migrations, models


def keep_the_latest_timer(apps, schema_editor):
    """Before one timer per person: a person with several running keeps the one started last
    (the call they are on); the older ones were left running by mistake."""
    RunningTimer = apps.get_model("ccm", "RunningTimer")
    latest: dict[int, int] = {}
    for pk, user_id in RunningTimer.objects.order_by("started_at", "pk").values_list("pk", "user_id"):
        latest[user_id] = pk
    RunningTimer.objects.exclude(pk__in=list(latest.values())).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ccm", "0003_month_totals"),
        ("tasks", "0015_queue_order_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(keep_the_latest_timer, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="runningtimer", name="ccm_one_timer_per_user_task"),
        migrations.AddConstraint(
            model_name="runningtimer",
            constraint=models.UniqueConstraint(fields=("user",), name="ccm_one_timer_per_user"),
        ),
    ]
