"""Activity carries its task's care team and, on a status change, when the task entered the
status it left: the flow metrics read a team's moves and their durations from one index.
(0005 fills them in, 0006 makes the team required and indexes it: PostgreSQL will not alter or
index a table in the transaction that queued checks of the keys written into it.)"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_team_rights_are_per_user"),
        ("tasks", "0003_scope_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="care_team",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.careteam",
            ),
        ),
        migrations.AddField(
            model_name="activity",
            name="from_status_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
