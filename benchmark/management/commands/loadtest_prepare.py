from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from benchmark.loadtest import staff


class Command(BaseCommand):
    help = (
        "Prepare the load test's copy of the bench practice: pick the coordinators who sign in, "
        "give managers an authenticator (topping them up with loadtest.manager<n> accounts) and "
        "write who signs in, their authenticator keys and search texts to a file for the locustfile. "
        "Only on a load test database: it replaces the managers' authenticators."
    )

    def add_arguments(self, parser):
        parser.add_argument("--staff", default=str(Path(settings.VAR_DIR) / "loadtest" / "staff.json"))
        parser.add_argument("--workers", type=int, default=60, help="Coordinator logins (at most).")
        parser.add_argument("--managers", type=int, default=12, help="Manager logins.")

    def handle(self, *args, **options):
        from django.db import connection

        if "loadtest" not in (connection.settings_dict.get("NAME") or ""):
            raise CommandError(
                "loadtest_prepare replaces managers' authenticators: run it only on a database whose "
                f"name says loadtest (this is {connection.settings_dict.get('NAME')})."
            )
        try:
            prepared = staff.prepare(
                path=Path(options["staff"]),
                workers_count=options["workers"],
                managers_count=options["managers"],
            )
        except LookupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{len(prepared['workers'])} coordinator logins, {len(prepared['managers'])} manager logins "
            f"(with authenticators), {len(prepared['searches'])} searches: {options['staff']}"
        )
