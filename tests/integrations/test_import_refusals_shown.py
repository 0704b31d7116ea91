"""What the manager sees of refused rows and of what a row will do: which patient a refusal means
(as the file names them), the enrollment a row makes, no Import button that would import nothing,
and a finished run's page without a progress bar."""

import html

import pytest
from django.urls import reverse

from integrations.imports import files
from integrations.models import ImportKind, ImportRun, RunStatus
from tests.integrations.helpers import import_run_of

PATIENTS = (
    "MRN,Last name,First name,DOB,Team,Program,Enrolled on\r\n"
    "Q-1,Lindqvist,Anna,03/14/1952,North team,Diabetes care,03/05/2026\r\n"
    "Q-2,Okoro,Ben,13/45/1961,North team,,\r\n"
    "Q-3,<b>Marsh</b>,Carla,12/31/1948,North team,diabetes-club,\r\n"
)
PATIENT_MAPPING = {
    "MRN": "mrn",
    "Last name": "last_name",
    "First name": "first_name",
    "DOB": "birth_date",
    "Team": "care_team",
    "Program": "program",
    "Enrolled on": "program_start",
}


def _run(user, content, mapping, kind=ImportKind.PATIENTS) -> ImportRun:
    return ImportRun.objects.create(
        kind=kind,
        file_name="registry.csv",
        stored_path=files.store_bytes(content.encode()),
        mapping=mapping,
        created_by=user,
    )


def _cells(response) -> list[list[str]]:
    """The rows of the page's first table body, as the text of their cells."""
    from html.parser import HTMLParser

    class Cells(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.cell, self.in_body = [], None, False

        def handle_starttag(self, tag, attrs):
            if tag == "tbody":
                self.in_body = True
            elif tag == "tr" and self.in_body:
                self.rows.append([])
            elif tag == "td" and self.in_body:
                self.cell = ""

        def handle_endtag(self, tag):
            if tag == "td" and self.cell is not None:
                self.rows[-1].append(" ".join(self.cell.split()))
                self.cell = None
            elif tag == "tbody":
                self.in_body = False

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += " " + data

    parser = Cells()
    parser.feed(response.content.decode())
    return parser.rows


def test_the_preview_names_each_refused_rows_patient_as_the_file_gives_them(client, manager, team, diabetes):
    client.force_login(manager)
    run = _run(manager, PATIENTS, PATIENT_MAPPING)
    page = client.get(reverse("import_preview", args=[run.pk]))
    rows = _cells(page)
    assert rows[1][0] == "3 MRN Q-2 · Okoro, Ben" and rows[1][1] == "refuse"
    assert rows[2][0] == "4 MRN Q-3 · <b>Marsh</b>, Carla"  # the file's cell, escaped
    assert "<b>Marsh</b>" not in page.content.decode()
    assert rows[0][0] == "2"  # a row that will be saved shows its patient in its own columns


def test_the_preview_lists_the_enrollment_a_row_makes_among_its_changes(client, manager, team, diabetes):
    client.force_login(manager)
    run = _run(
        manager, PATIENTS.splitlines()[0] + "\r\n" + PATIENTS.splitlines()[1] + "\r\n", PATIENT_MAPPING
    )
    rows = _cells(client.get(reverse("import_preview", args=[run.pk])))
    assert rows[0][-2] == "enrolls in Diabetes care from 03/05/2026"


def test_with_a_refused_row_shown_only_the_check_of_the_whole_file_is_offered(
    client, manager, team, diabetes
):
    client.force_login(manager)
    run = _run(manager, PATIENTS, PATIENT_MAPPING)
    text = client.get(reverse("import_preview", args=[run.pk])).content.decode()
    assert '<button type="submit" disabled aria-describedby="import-blocked">Import</button>' in text
    assert "Fix the refused rows first: nothing is imported while any row is refused." in text
    assert (
        '<button type="submit" name="dry_run" value="1" class="secondary">Check the whole file</button>'
        in text
    )

    clean = _run(manager, "\r\n".join(PATIENTS.splitlines()[:2]) + "\r\n", PATIENT_MAPPING)
    text = client.get(reverse("import_preview", args=[clean.pk])).content.decode()
    assert '<button type="submit">Import</button>' in text and "Fix the refused rows first" not in text


def test_the_run_page_and_the_error_report_give_each_refusals_mrn_but_no_name(
    client, manager, team, diabetes
):
    client.force_login(manager)
    run = _run(manager, PATIENTS, PATIENT_MAPPING)
    client.post(reverse("import_start", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == RunStatus.REFUSED
    page = client.get(reverse("import_run", args=[run.pk]))
    assert [row[:3] for row in _cells(page)] == [["3", "Q-2", "DOB"], ["4", "Q-3", "Program"]]
    assert "Okoro" not in page.content.decode() and "Marsh" not in page.content.decode()
    report = b"".join(client.get(reverse("import_errors", args=[run.pk])).streaming_content).decode()
    assert report.splitlines()[:2] == [
        "row,mrn,column,reason",
        '3,Q-2,DOB,"DOB is not a date: write it as MM/DD/YYYY, M/D/YY or YYYY-MM-DD."',
    ]


def test_a_refused_appointment_is_named_by_its_id_and_mrn(client, manager, patient):
    client.force_login(manager)
    content = f"Appt ID,MRN,Date,Time\nA-9,{patient.mrn},someday,10:30\n"
    run = import_run_of(manager, patient, content=content)
    rows = _cells(client.get(reverse("import_preview", args=[run.pk])))
    assert rows[0][0] == f"2 Appointment id A-9 · MRN {patient.mrn}"
    client.post(reverse("import_start", args=[run.pk]))
    page = client.get(reverse("import_run", args=[run.pk]))
    assert '<th scope="col">Appointment id · MRN</th>' in page.content.decode()
    assert _cells(page)[0][:2] == ["2", f"A-9 · {patient.mrn}"]


@pytest.mark.parametrize(
    ("kind", "field", "label"),
    [(ImportKind.ENROLLMENTS, "program", "Program"), (ImportKind.CAREPLANS, "template", "Template")],
)
def test_a_refused_enrollment_or_plan_is_named_by_mrn_and_program_or_template(
    client, manager, patient, diabetes, kind, field, label
):
    client.force_login(manager)
    content = f"MRN,What,Start\n{patient.mrn},Bariatrics,03/05/2026\n"
    start = "started_on" if kind == ImportKind.ENROLLMENTS else "starts_on"
    run = _run(manager, content, {"MRN": "mrn", "What": field, "Start": start}, kind=kind)
    rows = _cells(client.get(reverse("import_preview", args=[run.pk])))
    assert rows[0][0] == f"2 MRN {patient.mrn} · {label} Bariatrics"
    client.post(reverse("import_start", args=[run.pk]))
    report = b"".join(client.get(reverse("import_errors", args=[run.pk])).streaming_content).decode()
    assert report.splitlines()[0] == f"row,mrn · {label.lower()},column,reason"
    assert report.splitlines()[1].startswith(f"2,{patient.mrn} · Bariatrics,What,")


def test_a_finished_run_shows_its_summary_once_and_no_progress_bar(client, manager, patient):
    client.force_login(manager)
    run = import_run_of(manager, patient)
    client.post(reverse("import_start", args=[run.pk]))
    run.refresh_from_db()
    text = client.get(reverse("import_run", args=[run.pk])).content.decode()
    assert run.status == RunStatus.DONE
    assert "<progress" not in text and 'id="import-progress"' not in text
    assert text.count(html.escape(run.label)) == 2  # the title and the heading, not the first line
    assert "<p>Appointments from schedule.csv — Imported</p>" in text
