"""A patient file's team, said once for the file: with no Care team column and no team chosen,
the mapping page (and the command line) says so before any row is read, not as the same error on
every row; someone in one team gets theirs. And what a row's errors call a field: the user's
column header, else the field's label, never our internal name."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from guardian.shortcuts import assign_perm

from careplans.models import Patient
from integrations.models import ImportRun, RunStatus
from tests.factories import in_days

NO_TEAM = "MRN,Last,First,DOB\nK1,Ray,Al,1/2/1950\nK2,Ode,Bo,1/3/1950\n"
COLUMNS = {"col_0": "mrn", "col_1": "last_name", "col_2": "first_name", "col_3": "birth_date"}
ASKED = "Choose a team for this file, or map a column to Care team."


@pytest.fixture
def two_team_manager(manager, other_team):
    assign_perm("accounts.work_in_careteam", manager, other_team)
    assign_perm("accounts.manage_careteam", manager, other_team)
    return manager


def _upload(client, content, *, team=""):
    data = {"kind": "patients", "file": SimpleUploadedFile("registry.csv", content.encode()), "team": team}
    client.post(reverse("import_list"), data)
    return ImportRun.objects.latest("pk")


def test_a_manager_of_several_teams_is_asked_for_the_files_team_once_before_the_preview(
    client, two_team_manager, team, other_team
):
    client.force_login(two_team_manager)
    run = _upload(client, NO_TEAM)

    shown = client.get(reverse("import_mapping", args=[run.pk]))
    assert shown.text.count(ASKED) == 1
    refused = client.post(reverse("import_mapping", args=[run.pk]), COLUMNS)
    assert refused.status_code == 400
    assert refused.context["form"].non_field_errors() == [ASKED]
    assert refused.text.count(ASKED) == 1
    # No preview of N identical row errors: the preview sends them back to the mapping.
    assert client.get(reverse("import_preview", args=[run.pk])).url == reverse(
        "import_mapping", args=[run.pk]
    )

    chosen = client.post(reverse("import_mapping", args=[run.pk]), {**COLUMNS, "team": other_team.pk})
    assert chosen.url == reverse("import_preview", args=[run.pk])
    preview = client.get(chosen.url)
    assert preview.context["counts"].refused == 0 and "No care team" not in preview.text
    client.post(reverse("import_start", args=[run.pk]))
    run.refresh_from_db()
    assert (run.status, run.created) == (RunStatus.DONE, 2)
    assert set(Patient.objects.values_list("care_team", flat=True)) == {other_team.pk}


def test_a_manager_of_several_teams_needs_no_team_when_a_column_names_it(client, two_team_manager, team):
    client.force_login(two_team_manager)
    run = _upload(client, "MRN,Last,First,DOB,Team\nK1,Ray,Al,1/2/1950,North team\n")
    response = client.post(reverse("import_mapping", args=[run.pk]), {**COLUMNS, "col_4": "care_team"})
    assert response.url == reverse("import_preview", args=[run.pk])


def test_someone_in_one_team_gets_their_team_by_default(client, manager, team):
    client.force_login(manager)
    assert client.get(reverse("import_list")).context["form"]["team"].initial == team
    run = _upload(client, NO_TEAM)  # no team chosen
    page = client.get(reverse("import_mapping", args=[run.pk]))
    assert ASKED not in page.text and page.context["form"]["team"].initial == team
    assert client.post(reverse("import_mapping", args=[run.pk]), COLUMNS).status_code == 302
    client.post(reverse("import_start", args=[run.pk]))
    run.refresh_from_db()
    assert (run.status, run.created, run.refused) == (RunStatus.DONE, 2, 0)
    assert set(Patient.objects.values_list("care_team", flat=True)) == {team.pk}


def test_the_command_refuses_a_file_with_no_team_once_and_imports_nothing(write, team, other_team):
    with pytest.raises(CommandError) as refused:
        call_command("import_rows", "patients", str(write(NO_TEAM)))
    assert refused.value.returncode == 1
    assert str(refused.value) == f"{ASKED} (--team TEAM, or --map COLUMN=care_team)"
    assert not Patient.objects.exists() and not ImportRun.objects.exists()

    call_command("import_rows", "patients", str(write(NO_TEAM)), "--team", "South team")
    assert set(Patient.objects.values_list("care_team", flat=True)) == {other_team.pk}


def test_the_command_in_a_practice_of_one_team_uses_it(write, team):
    call_command("import_rows", "patients", str(write(NO_TEAM)))
    assert ImportRun.objects.get().created == 2
    assert set(Patient.objects.values_list("care_team", flat=True)) == {team.pk}


def test_a_row_lists_all_its_errors_by_the_users_column_names(write, team, diabetes, capsys):
    path = write("Chart,Surname,Given,Born,Plan\nL1,Ray,,13/45/1970,Bariatrics\n")
    mapping = ["Chart=mrn", "Surname=last_name", "Given=first_name", "Born=birth_date", "Plan=program"]
    with pytest.raises(CommandError):
        call_command("import_rows", "patients", str(path), "--team", "North team", "--map", *mapping)
    errors = [(e.column, e.message) for e in ImportRun.objects.get().row_errors.all()]
    assert errors == [
        ("Born", "Born is not a date: write it as MM/DD/YYYY, M/D/YY or YYYY-MM-DD."),
        ("Given", "A new patient needs first name."),
        ("Plan", "“Bariatrics” is no program of this practice."),
    ]
    assert "row 2, Given: A new patient needs first name." in capsys.readouterr().out


def test_an_unmapped_fields_error_names_its_label_in_the_preview_the_report_and_the_command(
    client, front_desk, patient, write, capsys
):
    """The appointments' patient is found by MRN or EHR id; a file with only an EHR id column and
    an empty cell is told about the MRN (not mapped): by its label, never "mrn"."""
    content = f"Appt,EHR,Start\nX-1,,{in_days(2):%m/%d/%Y} 9:00\n"
    with pytest.raises(CommandError):
        call_command(
            "import_rows", "appointments", str(write(content)), "--map", "EHR=ehr_id", "Appt=external_id"
        )
    assert "row 2, MRN: No MRN or EHR id: which patient is it?" in capsys.readouterr().out

    client.force_login(front_desk)
    data = {"kind": "appointments", "file": SimpleUploadedFile("s.csv", content.encode()), "team": ""}
    client.post(reverse("import_list"), data)
    run = ImportRun.objects.latest("pk")
    mapped = {"col_0": "external_id", "col_1": "ehr_id", "col_2": "starts_at"}
    client.post(reverse("import_mapping", args=[run.pk]), mapped)
    preview = client.get(reverse("import_preview", args=[run.pk]))
    assert "MRN: No MRN or EHR id" in preview.text and "mrn:" not in preview.text
    client.post(reverse("import_start", args=[run.pk]))
    report = client.get(reverse("import_errors", args=[run.pk]))
    assert b"".join(report.streaming_content).decode().splitlines()[1] == (
        "2,X-1 · (empty),MRN,No MRN or EHR id: which patient is it?"  # the row's key: its id, no MRN
    )


def test_the_preview_names_changed_fields_by_their_columns(client, manager, patient):
    client.force_login(manager)
    content = f"Chart,Surname,Given,DOB,Cell\n{patient.mrn},{patient.last_name},{patient.first_name},"
    content += f"{patient.birth_date:%m/%d/%Y},555-0199\n"
    run = _upload(client, content)
    mapped = {**COLUMNS, "col_4": "phone"}
    client.post(reverse("import_mapping", args=[run.pk]), mapped)
    preview = client.get(reverse("import_preview", args=[run.pk]))
    assert preview.context["rows"][0].shown["Changes"] == "Cell"
