from accounts.management.commands._account_command import AccountCommand
from accounts.operators import create_admin


class Command(AccountCommand):
    help = (
        "Create a practice admin: uses the admin, holds the Admin role (users, roles, teams, programs, "
        "templates, escalation policies), sees no patient. The first admin of a deployment."
    )
    done = "Admin %s created: log in at /admin/."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def create(self, *, username, password, options):
        return create_admin(
            username=username,
            password=password,
            email=options["email"],
            first_name=options["first_name"],
            last_name=options["last_name"],
        )
