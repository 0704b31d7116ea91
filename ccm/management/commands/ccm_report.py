"""`manage.py ccm_report --month YYYY-MM [--provider USERNAME]`: a month's CCM billing rows as
CSV on stdout, the same rows as the web export (ccm.billing), for the whole practice or one
rendering provider. A report: it does not close the month (the web export, by a user holding
ccm.export_billing, does)."""

import csv

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from careplans.models import Patient
from ccm import billing
from ccm.months import parse_month
from tasks.exports import csv_safe


class Command(BaseCommand):
    help = "A month's CCM billing rows (one per patient and code) as CSV on stdout."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="The month, YYYY-MM")
        parser.add_argument("--provider", help="Only the patients of this rendering provider (username)")

    def handle(self, *args, month, provider=None, **options):
        parsed = parse_month(month)
        if parsed is None:
            raise CommandError(f"--month {month!r}: give the month as YYYY-MM, e.g. 2026-11.")
        if provider and not get_user_model().objects.filter(username=provider).exists():
            raise CommandError(f"--provider {provider!r}: no user of that name.")
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(billing.HEADER)
        for row in billing.rows_for(Patient.objects.all(), parsed, provider=provider):
            writer.writerow([csv_safe(cell) for cell in row.cells(parsed)])
