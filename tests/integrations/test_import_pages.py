"""The import pages, as a manager and as the front desk: upload, mapping (saved per source),
preview with the rules, the run and its error report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from careplans.models import AccessReason, Appointment, Patient, PatientAccessLog
from integrations.models import ImportMapping, ImportRun, RunStatus
from tests.integrations.helpers import import_run_of

REGISTRY = "Chart #;Surname;Given;DOB;Team\r\nP-1;Rivera;Ana;03/14/1956;North team\r\nP-2;Okafor;Ben;02/30/1961;North team\r\n"


def _upload(client, content, *, kind="patients", source="", name="registry.csv"):
    data = {"kind": kind, "file": SimpleUploadedFile(name, content.encode()), "source": source, "team": ""}
    return client.post(reverse("import_list"), data)


def test_upload_map_preview_and_import(client, manager, team):
    client.force_login(manager)
    response = _upload(client, REGISTRY)
    run = ImportRun.objects.get()
    assert response.url == reverse("import_mapping", args=[run.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    assert run.mapping == {
        "Chart #": "mrn",
        "Surname": "last_name",
        "Given": "first_name",
        "DOB": "birth_date",
        "Team": "care_team",
    }

    columns = {
        "col_0": "mrn",
        "col_1": "last_name",
        "col_2": "first_name",
        "col_3": "birth_date",
        "col_4": "care_team",
    }
    response = client.post(reverse("import_mapping", args=[run.pk]), {**columns, "save_as": "athena export"})
    assert response.url == reverse("import_preview", args=[run.pk])
    assert ImportMapping.objects.get(name="athena export").columns["Chart #"] == "mrn"

    preview = client.get(response.url)
    assert "Rivera, Ana" in preview.text
    assert "DOB is not a date: write it as MM/DD/YYYY, M/D/YY or YYYY-MM-DD." in preview.text
    assert "Restricted patients are updated only by someone granted the patient" in preview.text
    assert not Patient.objects.exists()

    response = client.post(reverse("import_start", args=[run.pk]))
    run.refresh_from_db()
    assert response.url == reverse("import_run", args=[run.pk])
    assert (run.status, run.created, run.refused) == (RunStatus.REFUSED, 0, 1)  # nothing written
    assert not Patient.objects.exists()
    report = client.get(reverse("import_errors", args=[run.pk]))
    assert b"".join(report.streaming_content).decode().splitlines() == [
        "row,mrn,column,reason",
        '3,P-2,DOB,"DOB is not a date: write it as MM/DD/YYYY, M/D/YY or YYYY-MM-DD."',
    ]

    # The fixed file, with the saved mapping: imported.
    _upload(client, REGISTRY.replace("02/30/1961", "02/28/1961"), source="athena export")
    fixed = ImportRun.objects.latest("pk")
    assert fixed.mapping["Chart #"] == "mrn"
    client.post(reverse("import_start", args=[fixed.pk]))
    fixed.refresh_from_db()
    assert (fixed.status, fixed.created) == (RunStatus.DONE, 2)
    assert (
        "created 2, updated 0, unchanged 0, refused 0"
        in client.get(reverse("import_run", args=[fixed.pk])).text
    )
    assert not fixed.stored_path  # the file is deleted once imported


def test_a_dry_run_saves_nothing_then_imports_on_request(client, manager, patient):
    client.force_login(manager)
    run = import_run_of(manager, patient)
    client.post(reverse("import_start", args=[run.pk]), {"dry_run": "1"})
    run.refresh_from_db()
    assert (run.status, run.dry_run, run.created) == (RunStatus.DONE, True, 1)
    assert not Appointment.objects.exists()

    response = client.post(reverse("import_start", args=[run.pk]))
    real = ImportRun.objects.latest("pk")
    assert real.pk != run.pk and response.url == reverse("import_run", args=[real.pk])
    assert (real.status, real.dry_run, real.created) == (RunStatus.DONE, False, 1)
    assert Appointment.objects.get().patient == patient


def test_the_preview_is_logged_for_the_patients_it_shows(client, front_desk, patient):
    client.force_login(front_desk)
    run = import_run_of(front_desk, patient)
    assert client.get(reverse("import_preview", args=[run.pk])).status_code == 200
    row = PatientAccessLog.objects.get(user=front_desk)
    assert (row.patient, row.reason) == (patient, AccessReason.VIEW)


def test_front_desk_may_import_appointments_only(client, front_desk, patient):
    client.force_login(front_desk)
    page = client.get(reverse("import_list"))
    assert [value for value, _ in page.context["form"].fields["kind"].choices] == ["appointments"]
    assert _upload(client, REGISTRY).status_code == 400
    assert not ImportRun.objects.exists()
    patients_run = import_run_of(front_desk, patient, kind="patients")
    assert client.get(reverse("import_run", args=[patients_run.pk])).status_code == 403


def test_front_desk_is_not_asked_for_a_team_and_uploads_appointments(client, front_desk, patient):
    """The team for rows that name none is a patients-only choice: front desk, importing
    appointments only, is not shown it (nor the FHIR bundle upload it has no right to)."""
    client.force_login(front_desk)
    page = client.get(reverse("import_list"))
    assert "team" not in page.context["form"].fields
    assert "Team for rows that name none" not in page.content.decode()
    assert reverse("fhir_upload") not in page.content.decode()

    content = f"Appointment ID,MRN,Date,Time,Status\r\nA-1,{patient.mrn},03/10/2031,9:30 AM,booked\r\n"
    assert _upload(client, content, kind="appointments", name="visits.csv").status_code == 302
    assert ImportRun.objects.get().team is None


def test_a_manager_finds_the_fhir_bundle_upload_from_the_imports_page(client, manager):
    client.force_login(manager)
    assert reverse("fhir_upload") in client.get(reverse("import_list")).content.decode()


def test_a_run_in_progress_polls_and_a_finished_one_reloads(client, manager, patient):
    client.force_login(manager)
    run = import_run_of(manager, patient)
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, total_rows=10, processed_rows=4)
    partial = client.get(reverse("import_progress", args=[run.pk]), headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in partial.text and 'value="40"' in partial.text
    assert "HX-Refresh" not in partial

    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE)
    done = client.get(reverse("import_progress", args=[run.pk]), headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true" and "hx-trigger" not in done.text
    assert "<progress" not in done.text  # a finished run shows no bar: its page shows the summary

    page = client.get(reverse("import_run", args=[run.pk]))
    assert "<progress" not in page.text


def test_a_queued_run_shows_its_progress_bar_on_the_page(client, manager, patient):
    client.force_login(manager)
    run = import_run_of(manager, patient)
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED)
    page = client.get(reverse("import_run", args=[run.pk]))
    assert "Waiting for the worker" in page.text and "<progress" in page.text


@pytest.mark.parametrize("content", ["", "\x00\x01binary"])
def test_an_unreadable_file_is_a_field_error(client, manager, content):
    client.force_login(manager)
    response = _upload(client, content)
    assert response.status_code == 400 and not ImportRun.objects.exists()
