import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql


class Command(BaseCommand):
    help = (
        "Create the configured PostgreSQL database if it does not exist (make bench uses it); with "
        "--template, as a copy of that database (make loadtest copies the bench practice)."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--template", help="Create it as a copy of this database (nobody may be connected to it)."
        )
        parser.add_argument("--recreate", action="store_true", help="Drop it first if it exists.")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                f"ensure_database is for PostgreSQL; DATABASE_URL points at {connection.vendor}."
            )
        params = connection.get_connection_params()
        name = params["dbname"]
        template = options["template"]
        # Connect to the maintenance database: the configured one may not exist yet.
        maintenance = {k: v for k, v in params.items() if k in ("host", "port", "user", "password")}
        with psycopg.connect(dbname="postgres", autocommit=True, **maintenance) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and options["recreate"]:
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
                self.stdout.write(f"Dropped database {name}.")
            elif exists:
                self.stdout.write(f"Database {name} exists.")
                return
            if template:
                found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
                if not found:
                    raise CommandError(f"No database {template} to copy (make bench loads it).")
                statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            else:
                statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            try:
                conn.execute(statement)
            except psycopg.errors.ObjectInUse as busy:
                raise CommandError(
                    f"Cannot copy {template} while someone is connected to it: {busy}"
                ) from None
        copied = f" as a copy of {template}" if template else ""
        self.stdout.write(self.style.SUCCESS(f"Created database {name}{copied}."))
