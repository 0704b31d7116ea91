import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql


class Command(BaseCommand):
    help = "Create the configured PostgreSQL database if it does not exist (make bench uses it)."
    requires_system_checks = []

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                f"ensure_database is for PostgreSQL; DATABASE_URL points at {connection.vendor}."
            )
        params = connection.get_connection_params()
        name = params["dbname"]
        # Connect to the maintenance database: the configured one may not exist yet.
        maintenance = {k: v for k, v in params.items() if k in ("host", "port", "user", "password")}
        with psycopg.connect(dbname="postgres", autocommit=True, **maintenance) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists:
                self.stdout.write(f"Database {name} exists.")
                return
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.stdout.write(self.style.SUCCESS(f"Created database {name}."))
