from django.core.management.base import BaseCommand, CommandError

from careplans import seeding


class Command(BaseCommand):
    help = (
        "Load the demo practice (2 locations, 3 care teams, named staff, ~200 patients, ~1,500 tasks "
        "with their timelines), or a larger practice for benchmarks with --patients/--tasks. "
        "Demo users log in with settings.DEMO_PASSWORD."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if any patient exists.")
        parser.add_argument("--patients", type=int, default=seeding.DEMO_PATIENTS)
        parser.add_argument("--tasks", type=int, default=seeding.DEMO_TASKS)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Delete patients, plans, tasks and their history first, then load again.",
        )
        parser.add_argument("--seed", type=int, default=seeding.DEFAULT_SEED, help="Random seed.")

    def handle(self, *args, **options):
        try:
            result = seeding.seed(
                patients=options["patients"],
                tasks=options["tasks"],
                if_empty=options["if_empty"],
                force=options["force"],
                seed_value=options["seed"],
                log=self.stdout.write,
            )
        except seeding.SeedRefused as refused:
            raise CommandError(str(refused)) from None
        style = self.style.SUCCESS if result.loaded else self.style.NOTICE
        self.stdout.write(style(result.message))
