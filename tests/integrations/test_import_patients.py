"""The patient import from the command line: a messy registry spreadsheet is refused row by row
and imports nothing; fixed, it imports; the same file again changes nothing."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from careplans.models import Enrollment, Patient
from integrations.models import ImportRun, RunStatus
from tests.factories import PatientFactory

# A UTF-8 BOM, semicolons, dates in four formats, trailing blanks (cells, a blank column, blank
# lines), a row twice, and a program nobody runs.
MESSY = (
    "\ufeffMRN;Last Name;First Name;DOB;Phone;Team;Program;\r\n"
    "A100;Rivera ;Ana;03/14/1956;555-0100;North team;diabetes;\r\n"
    "A101;Okafor;Ben  ;7/4/61;;North team;;\r\n"
    "A102;Nguyen;Chi;1948-11-02;555-0102;north TEAM;Diabetes care;\r\n"
    "A103;Smith;Dee;13/45/1970;;North team;;\r\n"
    "A101;Okafor;Ben;7/4/61;;North team;;\r\n"
    "A104;Lopez;Eva;02-29-1960;;North team;Bariatrics;\r\n"
    ";;;;;;;\r\n"
    "\r\n"
)
FIXED = MESSY.replace("13/45/1970", "12/05/1970").replace("A101;Okafor;Ben;7/4/61;;North team;;\r\n", "")
FIXED = FIXED.replace("Bariatrics", "")


def _run(*args):
    try:
        call_command("import_rows", *map(str, args))
    except CommandError as refused:
        return refused
    return None


def test_the_messy_file_is_refused_row_by_row_and_imports_nothing(write, team, diabetes, capsys):
    refused = _run("patients", write(MESSY))

    assert refused is not None and refused.returncode == 1
    assert Patient.objects.count() == 0 and Enrollment.objects.count() == 0
    run = ImportRun.objects.get()
    assert (run.status, run.created, run.refused) == (RunStatus.REFUSED, 0, 3)  # nothing written
    errors = [(e.row, e.column, e.message) for e in run.row_errors.all()]
    assert errors == [
        (5, "DOB", "DOB is not a date: write it as MM/DD/YYYY, M/D/YY or YYYY-MM-DD."),
        (6, "MRN", "This MRN is also on row 3: each may appear once in a file."),
        (7, "Program", "“Bariatrics” is no program of this practice."),
    ]
    out = capsys.readouterr().out
    assert "created 0, updated 0, unchanged 0, refused 3" in out
    assert "row 7, Program: “Bariatrics” is no program of this practice." in out


def test_fixed_it_imports_with_history_naming_the_run_and_again_changes_nothing(
    write, team, diabetes, capsys
):
    path = write(FIXED)
    assert _run("patients", path) is None

    first = ImportRun.objects.get()
    assert (first.status, first.created, first.updated, first.unchanged, first.refused) == (
        RunStatus.DONE,
        5,
        0,
        0,
        0,
    )
    ana = Patient.objects.get(mrn="A100")
    assert (ana.last_name, ana.first_name, ana.birth_date, ana.care_team) == (
        "Rivera",
        "Ana",
        datetime.date(1956, 3, 14),
        team,
    )
    assert ana.location == team.location
    assert Patient.objects.get(mrn="A101").birth_date == datetime.date(1961, 7, 4)  # 7/4/61: last century
    assert Patient.objects.get(mrn="A104").birth_date == datetime.date(1960, 2, 29)
    assert set(Enrollment.objects.values_list("patient__mrn", "program__code")) == {
        ("A100", "diabetes"),
        ("A102", "diabetes"),
    }
    history = ana.history.get()
    assert (history.history_type, history.history_change_reason) == ("+", f"Import run #{first.pk}")
    patients_before = list(Patient.history.values_list("pk", flat=True))

    assert _run("patients", path) is None

    second = ImportRun.objects.latest("pk")
    assert (second.created, second.updated, second.unchanged, second.refused) == (0, 0, 5, 0)
    assert list(Patient.history.values_list("pk", flat=True)) == patients_before
    assert Enrollment.objects.count() == 2
    assert "created 0, updated 0, unchanged 5, refused 0" in capsys.readouterr().out


def test_a_changed_cell_updates_that_patient_only(write, team, capsys):
    _run(
        "patients",
        write("MRN,Last,First,DOB,Team\nB1,Ray,Al,1/2/1950,North team\nB2,Ode,Bo,1/3/1950,North team\n"),
    )
    _run(
        "patients",
        write("MRN,Last,First,DOB,Team\nB1,Ray,Al,1/2/1950,North team\nB2,Ode,Bob,1/3/1950,North team\n"),
    )

    run = ImportRun.objects.latest("pk")
    assert (run.created, run.updated, run.unchanged) == (0, 1, 1)
    bob = Patient.objects.get(mrn="B2")
    assert bob.first_name == "Bob"
    assert bob.history.first().history_change_reason == f"Import run #{run.pk}"


def test_windows_1252_and_tabs(write, team):
    path = write("MRN\tLast\tFirst\tDOB\nC1\tMuñoz\tJosé\t5/6/1970\n", encoding="cp1252")
    assert _run("patients", path, "--team", "North team") is None
    assert Patient.objects.get(mrn="C1").last_name == "Muñoz"


def test_unknown_team_is_refused_unless_the_file_has_a_team(write, team):
    path = write("MRN,Last,First,DOB,Team\nD1,Ray,Al,1/2/1950,Nowhere\nD2,Ray,Bo,1/2/1950,\n")
    assert _run("patients", path, "--team", "North team").returncode == 1
    run = ImportRun.objects.get()
    assert [(e.row, e.message) for e in run.row_errors.all()] == [
        (2, "“Nowhere” is no care team of this practice.")
    ]


def test_a_patient_of_another_team_stays_there(write, team, other_team):
    PatientFactory(mrn="E1", care_team=other_team)
    path = write("MRN,Last,First,DOB,Team\nE1,Ray,Al,1/2/1950,North team\n")
    assert _run("patients", path).returncode == 1
    assert "move them with Transfer" in ImportRun.objects.get().row_errors.get().message


def test_dry_run_saves_nothing(write, team):
    assert (
        _run(
            "patients", write("MRN,Last,First,DOB\nF1,Ray,Al,1/2/1950\n"), "--team", "North team", "--dry-run"
        )
        is None
    )
    run = ImportRun.objects.get()
    assert (run.status, run.created, run.dry_run) == (RunStatus.DONE, 1, True)
    assert not Patient.objects.exists()


def test_map_names_a_column_the_guess_missed(write, team):
    path = write("Chart,Surname,Given,Born\nG1,Ray,Al,1/2/1950\n")
    assert (
        _run(
            "patients",
            path,
            "--team",
            "North team",
            "--map",
            "Chart=mrn",
            "Given=first_name",
            "Born=birth_date",
        )
        is None
    )
    assert Patient.objects.get(mrn="G1").first_name == "Al"


@pytest.mark.parametrize("value", ["2/30/2020", "2020-13-01", "yesterday"])
def test_bad_dates_are_refused(write, team, value):
    assert (
        _run("patients", write(f"MRN,Last,First,DOB\nH1,Ray,Al,{value}\n"), "--team", "North team").returncode
        == 1
    )
