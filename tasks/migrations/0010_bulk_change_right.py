"""The right to cancel or reschedule selected queue rows at once, given to managers (the roles
are re-seeded from accounts.roles.ROLE_PERMISSIONS)."""

from django.db import migrations

from accounts.roles import sync_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0009_activity_change_kinds"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="task",
            options={
                "permissions": [
                    ("work_task", "Can move own tasks through statuses"),
                    ("add_scheduling_task", "Can create scheduling and outreach tasks"),
                    ("reassign_own_task", "Can reassign own tasks within the team"),
                    ("reassign_any_task", "Can reassign any task of a managed team"),
                    ("reopen_task", "Can reopen completed or cancelled tasks"),
                    ("bulk_change_task", "Can cancel or reschedule selected tasks of the queue at once"),
                    ("view_dashboard", "Can view a dashboard (by default of their own tasks)"),
                    ("view_team_dashboard", "Dashboard shows the teams they manage"),
                    ("view_patients_dashboard", "Dashboard shows the tasks of their own patients"),
                ]
            },
        ),
        migrations.RunPython(sync_in_migration, migrations.RunPython.noop),
    ]
