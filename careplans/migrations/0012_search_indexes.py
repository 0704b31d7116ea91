"""Patient search (careplans.search): a btree on birth_date everywhere, and on PostgreSQL trigram
GIN indexes on the expressions the search filters by, so a part of a name, an MRN or a phone
number, found anywhere in the field, is an index probe (pg_trgm serves LIKE '%...%' and
LIKE '...%'). SQLite has no trigram index: there the search scans the table.

The trigram indexes are not in the model's Meta (SQLite would have to build them too), so they
are added here, on PostgreSQL only, as SQL: Django's GinIndex with an operator class needs
django.contrib.postgres installed, and its TrigramExtension fails on SQLite when unapplied.
Each expression must stay the one the search builds (Django's icontains and istartswith compare
UPPER(field::text); careplans.search.phone_digits): tests/careplans/test_patient_search.py
checks on PostgreSQL that the plans use them."""

from django.conf import settings
from django.db import migrations, models


def _phone_digits() -> str:
    expression = "phone"
    for character in ("(", ")", "-", " ", ".", "+"):
        expression = f"replace({expression}, '{character}', '')"
    return expression


TRIGRAM_INDEXES = {
    "patient_last_name_trgm": "upper(last_name::text)",
    "patient_first_name_trgm": "upper(first_name::text)",
    "patient_mrn_trgm": "upper(mrn::text)",
    "patient_phone_digits_trgm": _phone_digits(),
}


def add_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX {name} ON careplans_patient USING gin (({expression}) gin_trgm_ops)"
        )


def remove_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    # pg_trgm stays: something else in the database may use it.


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_access_log_moved_to_careplans"),
        ("careplans", "0011_holiday_and_business_days"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["birth_date"], name="patient_birth_date_idx"),
        ),
        migrations.RunPython(add_trigram_indexes, remove_trigram_indexes),
    ]
