from django.core.management.base import BaseCommand, CommandError

from demo import load


class Command(BaseCommand):
    help = (
        "Load the demo practice (2 locations, 3 care teams, named staff, ~200 patients, ~1,500 tasks), "
        "90 days of it lived through the product's actions. Demo users log in with settings.DEMO_PASSWORD."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if any patient exists.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Delete patients, plans, tasks and their history first, then load again.",
        )
        parser.add_argument("--seed", type=int, default=load.DEFAULT_SEED, help="Random seed.")

    def handle(self, *args, **options):
        try:
            result = load.seed_demo(
                if_empty=options["if_empty"],
                force=options["force"],
                seed_value=options["seed"],
                log=self.stdout.write,
            )
        except load.DemoRefused as refused:
            raise CommandError(str(refused)) from None
        style = self.style.SUCCESS if result.loaded else self.style.NOTICE
        self.stdout.write(style(result.message))
