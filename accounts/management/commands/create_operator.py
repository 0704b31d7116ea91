from accounts.management.commands._account_command import AccountCommand
from accounts.operators import create_operator


class Command(AccountCommand):
    help = (
        "Create the operator's break-glass superuser: every right, patient records in the admin. Not "
        "for practice staff (see create_admin). Logged, with the reason in the account's history."
    )
    done = "Superuser %s created and logged. Keep it for break-glass."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--reason", required=True, help="Why this superuser is needed, kept in its history."
        )

    def create(self, *, username, password, options):
        return create_operator(
            username=username, password=password, reason=options["reason"], email=options["email"]
        )
