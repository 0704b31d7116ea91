"""The rules the preview states, as a manager importing through the pages' engine: restricted
patients, teams the importer does not work in, deceased patients."""

from pathlib import Path

from guardian.shortcuts import assign_perm

from careplans.models import Patient
from integrations.imports.runner import execute
from integrations.models import ImportKind, ImportRun, RunStatus
from tests.factories import PatientFactory, in_days

MAPPING = {"MRN": "mrn", "Last": "last_name", "First": "first_name", "DOB": "birth_date", "Team": "care_team"}


def _import(user, path: Path, *, kind=ImportKind.PATIENTS, mapping=MAPPING) -> ImportRun:
    run = ImportRun.objects.create(kind=kind, file_name=path.name, mapping=mapping, created_by=user)
    return execute(run, path, by=user)


def test_a_restricted_patient_is_refused_unless_granted(write, manager, team):
    hidden = PatientFactory(mrn="R-1", care_team=team, is_restricted=True, first_name="Old")
    path = write("MRN,Last,First,DOB,Team\nR-1,Ray,New,1/2/1950,North team\n")

    run = _import(manager, path)

    assert (run.status, run.refused) == (RunStatus.REFUSED, 1)
    assert run.row_errors.get().message.startswith("This MRN belongs to a patient you may not see")
    assert Patient.objects.get(pk=hidden.pk).first_name == "Old"

    assign_perm("careplans.view_patient", manager, hidden)
    manager = type(manager).objects.get(pk=manager.pk)  # fresh rights
    run = _import(manager, path)

    assert (run.status, run.updated) == (RunStatus.DONE, 1)
    assert Patient.objects.get(pk=hidden.pk).first_name == "New"
    assert Patient.objects.get(pk=hidden.pk).history.first().history_user == manager


def test_a_team_the_importer_does_not_work_in_is_refused(write, manager, team, other_team):
    path = write("MRN,Last,First,DOB,Team\nT-1,Ray,Al,1/2/1950,South team\n")
    run = _import(manager, path)
    assert run.row_errors.get().message == "You do not work in South team: you cannot import its patients."
    assert not Patient.objects.exists()


def test_an_appointment_of_a_patient_outside_the_importers_teams_is_refused(write, front_desk, other_patient):
    path = write(f"Appt,MRN,Start\nX-1,{other_patient.mrn},{in_days(2):%m/%d/%Y} 9:00\n")
    run = _import(
        front_desk,
        path,
        kind=ImportKind.APPOINTMENTS,
        mapping={"Appt": "external_id", "MRN": "mrn", "Start": "starts_at"},
    )
    assert run.row_errors.get().message == "No patient with this identifier in the teams you work in."
    assert not other_patient.appointments.exists()


def test_a_deceased_patient_books_no_appointment_after_death(write, front_desk, patient):
    Patient.objects.filter(pk=patient.pk).update(deceased_on=in_days(-10))
    path = write(f"Appt,MRN,Start\nX-2,{patient.mrn},{in_days(2):%m/%d/%Y} 9:00\n")
    run = _import(
        front_desk,
        path,
        kind=ImportKind.APPOINTMENTS,
        mapping={"Appt": "external_id", "MRN": "mrn", "Start": "starts_at"},
    )
    assert run.row_errors.get().message == "The patient is deceased: no appointment after the date of death."
