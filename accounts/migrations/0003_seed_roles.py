from django.db import migrations

from accounts.roles import sync_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("careplans", "0001_initial"),
        ("tasks", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_in_migration, migrations.RunPython.noop)]
