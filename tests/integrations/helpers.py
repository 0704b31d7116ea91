"""An uploaded import run, as the pages make one, for tests of the pages and the matrix."""

from django.utils import timezone

from integrations.imports import files
from integrations.models import ImportKind, ImportRun


def import_run_of(user, patient, *, kind=ImportKind.APPOINTMENTS, content: str | None = None) -> ImportRun:
    """`user`'s uploaded (not started) run of one appointment of `patient` in three days."""
    if content is None:
        when = timezone.localtime() + timezone.timedelta(days=3)
        content = f"Appt ID,MRN,Date,Time\nA-{patient.pk},{patient.mrn},{when:%m/%d/%Y},10:30\n"
    return ImportRun.objects.create(
        kind=kind,
        file_name="schedule.csv",
        stored_path=files.store_bytes(content.encode()),
        mapping={"Appt ID": "external_id", "MRN": "mrn", "Date": "starts_at", "Time": "time"},
        created_by=user,
    )
