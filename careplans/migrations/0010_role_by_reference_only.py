import django.db.models.deletion
from django.db import migrations, models

HELP = (
    "A member of the patient's care team in this role owns the task (the one with the least open "
    "work; the patient's primary provider first if they hold the role)."
)


class Migration(migrations.Migration):
    dependencies = [("careplans", "0009_role_names_to_groups")]

    operations = [
        migrations.RemoveField(model_name="historicaltemplatetask", name="assignee_role"),
        migrations.RemoveField(model_name="templatetask", name="assignee_role"),
        migrations.AlterField(
            model_name="templatetask",
            name="assignee_group",
            field=models.ForeignKey(
                help_text=HELP,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="auth.group",
                verbose_name="owner's role",
            ),
        ),
    ]
