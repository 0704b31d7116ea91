"""What create_admin and create_operator share: the username, and the password typed twice (or,
with --noinput, read from FOLLOWTHROUGH_PASSWORD, for a script), checked by the password policy."""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User

PASSWORD_VARIABLE = "FOLLOWTHROUGH_PASSWORD"  # noqa: S105  # nosec B105  # the name of an environment variable, not a password


class AccountCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--noinput", action="store_true", help=f"Read the password from {PASSWORD_VARIABLE}; ask nothing."
        )

    def handle(self, *args, **options):
        username = options["username"]
        if User.objects.filter(username=username).exists():
            raise CommandError(f"The username {username} is taken.")
        try:
            user = self.create(username=username, password=self._password(options), options=options)
        except ValidationError as refused:
            raise CommandError(" ".join(refused.messages)) from None
        self.stdout.write(self.style.SUCCESS(self.done % user.username))

    def _password(self, options) -> str:
        if options["noinput"]:
            password = os.environ.get(PASSWORD_VARIABLE, "")
            if not password:
                raise CommandError(f"Set {PASSWORD_VARIABLE} to the password, or leave out --noinput.")
            return password
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return password

    def create(self, *, username: str, password: str, options) -> User:
        raise NotImplementedError
