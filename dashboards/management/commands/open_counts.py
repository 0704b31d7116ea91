from django.core.management.base import BaseCommand, CommandError

from dashboards import open_counts


class Command(BaseCommand):
    help = (
        "Check the dashboard's kept open-work counts against the tasks (the default), or rebuild "
        "them from the tasks, or sum up the rows the writes appended. Safe at any time: a rebuild "
        "makes writers that change the counts wait for it (seconds on a large practice)."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--rebuild", action="store_true", help="Count every open task afresh.")
        action.add_argument("--compact", action="store_true", help="Sum rows that share their values.")

    def handle(self, *args, rebuild: bool, compact: bool, **options):
        if rebuild:
            done = open_counts.rebuild()
            self.stdout.write(self.style.SUCCESS(f"Rebuilt for {done.day.isoformat()}: {done.rows} rows."))
            return
        if compact:
            self.stdout.write(self.style.SUCCESS(f"Compacted: {open_counts.compact()} rows fewer."))
            return
        differences = open_counts.verify()
        if not differences:
            self.stdout.write(self.style.SUCCESS("The open-work counts agree with the tasks."))
            return
        for d in differences[:20]:
            self.stderr.write(f"{d.values}: kept {d.kept}, counted {d.counted}")
        raise CommandError(
            f"{len(differences)} counts differ from the tasks: run `manage.py open_counts --rebuild`."
        )
