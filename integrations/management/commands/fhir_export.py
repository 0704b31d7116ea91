"""`manage.py fhir_export --out DIR`: the practice's data as FHIR R4 NDJSON, one file per
resource type (Bulk Data $export layout), streamed (integrations.fhir.bulk)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from integrations.fhir import bulk


class Command(BaseCommand):
    help = "Export the practice as FHIR R4 NDJSON files (Patient.ndjson, CarePlan.ndjson, ...)."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="Directory to write the .ndjson files to.")
        parser.add_argument(
            "--type", action="append", choices=bulk.TYPES, dest="types", help="Only these types (repeatable)."
        )

    def handle(self, *args, out, types, **options):
        directory = Path(out)
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        started = time.monotonic()
        for written in bulk.export(directory, types or bulk.TYPES):
            self.stdout.write(f"{written.type}: {written.count} resources → {written.path}")
        self.stdout.write(f"done in {time.monotonic() - started:.1f} s")
