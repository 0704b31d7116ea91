import warnings
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from benchmark import bench


class Command(BaseCommand):
    help = (
        "Time the benchmark cases (benchmark.bench.CASES) through the test client, debug off: "
        "p50/p95 server time and SQL queries per request, as a table and as JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--requests",
            type=int,
            default=50,
            help="Measured requests per page (min 30); jobs run bench.JOB_RUNS times.",
        )
        parser.add_argument("--warmup", type=int, default=5)
        parser.add_argument("--case", action="append", dest="cases", help="Run only this case (repeatable).")
        parser.add_argument("--seed", type=int, default=1, help="Picks which patients and tasks are opened.")
        parser.add_argument("--json", default=str(Path(settings.VAR_DIR) / "bench.json"))

    def handle(self, *args, **options):
        # The test client builds the middleware stack; whitenoise warns that collectstatic never ran.
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        env = bench.environment()
        self.stdout.write(
            f"{env['database']}: {env['patients']} patients, {env['tasks']} tasks; "
            f"load average {env['load_average']} on {env['cpus']} CPUs"
        )
        results = bench.run(
            names=options["cases"],
            requests=max(30, options["requests"]),
            warmup=options["warmup"],
            seed=options["seed"],
        )
        self.stdout.write(bench.table(results))
        path = Path(options["json"])
        bench.write_json(results, path, env=env)
        self.stdout.write(f"Written to {path}")
