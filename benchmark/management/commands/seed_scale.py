from django.core.management.base import BaseCommand, CommandError

from benchmark import scale


class Command(BaseCommand):
    help = (
        "Load the scale practice `make bench` measures (by default 100,000 patients and 1,000,000 "
        "tasks with their history and timelines), bulk-written; reused when already loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=scale.SCALE_PATIENTS)
        parser.add_argument("--tasks", type=int, default=scale.SCALE_TASKS)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Delete patients, plans, tasks and their history first, then load again.",
        )
        parser.add_argument("--seed", type=int, default=scale.DEFAULT_SEED, help="Random seed.")

    def handle(self, *args, **options):
        try:
            result = scale.seed(
                patients=options["patients"],
                tasks=options["tasks"],
                force=options["force"],
                seed_value=options["seed"],
                log=self.stdout.write,
            )
        except scale.SeedRefused as refused:
            raise CommandError(str(refused)) from None
        style = self.style.SUCCESS if result.loaded else self.style.NOTICE
        self.stdout.write(style(result.message))
