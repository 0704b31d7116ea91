"""The set-based SQL the ORM lacks: INSERT ... SELECT, UPDATE ... RETURNING, date + days, and the
history rows simple_history would write for rows changed in bulk.

Jobs use them so that a batch costs the same few statements for ten tasks or ten thousand: rows
never travel to Python and back. Both work on PostgreSQL and on SQLite (3.35+, for RETURNING).
Generic on purpose: no app's models are imported here, so every app may use it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import NotSupportedError, connections
from django.db.models import BigIntegerField, DateField, F, Func, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.sql import UpdateQuery


def id_set(ids: Iterable[int], *, using: str = "default") -> RawSQL:
    """A subquery yielding `ids` from one parameter, whatever their number (for `pk__in=`).

    A plain `pk__in=[...]` sends one parameter per id, and PostgreSQL refuses more than 65,535."""
    ids = [int(pk) for pk in ids]
    if connections[using].vendor == "postgresql":
        # As an array literal in one text parameter: psycopg adapts a Python list item by item,
        # which costs more than the query once the set runs to thousands.
        return RawSQL("SELECT unnest(%s::bigint[])", ["{" + ",".join(map(str, ids)) + "}"])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])


def _column(meta, name: str) -> str:
    return (meta.pk if name == "pk" else meta.get_field(name)).column


def insert_select(
    model, columns: list[str], rows: QuerySet, *, ignore_conflicts: bool = False, returning=("pk",)
) -> list:
    """INSERT INTO model (columns) SELECT <rows> [ON CONFLICT DO NOTHING] RETURNING <returning>.

    `rows` is a values_list() whose expressions line up with `columns` (field names). Returns
    the rows this statement created (their primary keys, or tuples of the `returning` fields):
    with `ignore_conflicts`, a row that a unique constraint already holds is skipped and not
    returned, which is how a job knows what it, and nobody before it, created."""
    using = rows.db
    connection = connections[using]
    qn = connection.ops.quote_name
    meta = model._meta
    select_sql, params = rows.order_by().query.sql_with_params()
    if connection.vendor == "sqlite":
        # SQLite needs a WHERE before ON CONFLICT to parse INSERT ... SELECT ... ON CONFLICT.
        select_sql = f"SELECT * FROM ({select_sql}) AS src WHERE true"  # noqa: S608  # nosec B608  # identifiers from the models' metadata, values bound as parameters
    column_sql = ", ".join(qn(_column(meta, name)) for name in columns)
    sql = f"INSERT INTO {qn(meta.db_table)} ({column_sql}) {select_sql}"
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    sql += " RETURNING " + ", ".join(qn(_column(meta, name)) for name in returning)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    if len(returning) == 1:
        return [row[0] for row in found]
    return [tuple(row) for row in found]


def update_returning(queryset: QuerySet, **values) -> list[int]:
    """queryset.update(**values), returning the primary keys of the rows it changed.

    Used as a claim: the filter states the condition the update makes false (say
    `escalation_level__lt=2` with `escalation_level=2`), so of two concurrent runs only one
    changes a given row (PostgreSQL re-checks the condition on the locked row) and only that
    run gets its id back."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    sql, params = query.get_compiler(queryset.db).as_sql()
    connection = connections[queryset.db]
    sql += f" RETURNING {connection.ops.quote_name(queryset.model._meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


class PlusDays(Func):
    """date + a number of days (a column or a value), as a date, on PostgreSQL and SQLite."""

    arity = 2
    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"PlusDays is not implemented for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" + ")

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="date(%(expressions)s || ' days')", arg_joiner=", '+' || "
        )


def history_rows(queryset: QuerySet, *, when, reason, history_type: str, by=None):
    """(history model, columns, values_list) that copy the rows of `queryset` into their
    simple_history table as save() would: every tracked field, plus when, why (a text, or an
    expression giving each row its own), what ("+", "~", "-") and who. Feed them to
    insert_select after a bulk UPDATE or INSERT, which bypasses save() and its history."""
    history = queryset.model.history.model
    meta = {
        "history_date": Value(when),
        "history_change_reason": Value(reason[:100]) if isinstance(reason, str) else reason,
        "history_type": Value(history_type),
        "history_user": Value(by.pk if by else None, output_field=BigIntegerField()),
    }
    columns = [f.name for f in history._meta.concrete_fields if f.name != "history_id"]
    values = [meta[name] if name in meta else F(history._meta.get_field(name).attname) for name in columns]
    return history, columns, queryset.values_list(*values)
