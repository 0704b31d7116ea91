"""Care plans from a payer's gap list (applied through intake, as the intake page applies them),
enrollments, and XLSX files."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from careplans.models import CarePlan, DueAnchor, Enrollment, EnrollmentStatus, Patient
from integrations.models import ImportRun, RunStatus
from tasks.intake import preview
from tasks.models import Task
from tests.factories import (
    CarePlanTemplateFactory,
    EnrollmentFactory,
    PatientFactory,
    TemplateTaskFactory,
    in_days,
)


def _run(*args):
    try:
        call_command("import_rows", *map(str, args))
    except CommandError as refused:
        return refused
    return None


@pytest.fixture
def gaps_template(diabetes):
    template = CarePlanTemplateFactory(program=diabetes, name="A1c gap")
    TemplateTaskFactory(
        template=template, title="Order A1c", due_anchor=DueAnchor.PLAN_START, due_offset_days=7
    )
    TemplateTaskFactory(
        template=template, title="Review result", due_anchor=DueAnchor.PLAN_START, due_offset_days=21
    )
    return template


def test_a_gap_list_applies_the_template_as_intake_does_and_again_changes_nothing(
    write, patient, coordinator, gaps_template
):
    deceased = PatientFactory(
        care_team=patient.care_team, deceased_on=in_days(-3), primary_provider=patient.primary_provider
    )
    start = timezone.localdate()
    expected = [
        (p.title, p.owner, p.due_on)
        for p in preview(patient=patient, template=gaps_template, starts_on=start)
    ]
    path = write(
        f"Member MRN,Measure,Program,Start\n{patient.mrn},A1c gap,Diabetes care,{start:%m/%d/%Y}\n{deceased.mrn},a1c GAP,,{start:%Y-%m-%d}\nX-9,Eye exam gap,,{start:%m/%d/%Y}\n"
    )

    refused = _run("careplans", path, "--map", "Member MRN=mrn", "Measure=template")

    assert refused.returncode == 1 and not CarePlan.objects.exists()
    assert [(e.row, e.message) for e in ImportRun.objects.get().row_errors.all()] == [
        (3, "The patient is deceased: no new care plan."),
        (4, "No patient with this identifier in the teams you work in."),
        (4, "“Eye exam gap” is no active care plan template."),
    ]

    fixed = write(
        f"Member MRN,Measure,Program,Start\n{patient.mrn},A1c gap,Diabetes care,{start:%m/%d/%Y}\n",
        name="fixed.csv",
    )
    assert _run("careplans", fixed, "--map", "Member MRN=mrn", "Measure=template") is None
    plan = CarePlan.objects.get()
    run = ImportRun.objects.latest("pk")
    assert (plan.patient, plan.template, plan.author, plan.starts_on) == (
        patient,
        gaps_template,
        patient.primary_provider,
        start,
    )
    assert plan.history.get().history_change_reason == run.label
    assert sorted((t.title, t.owner, t.due_on) for t in plan.tasks.all()) == sorted(expected)
    assert Enrollment.objects.filter(patient=patient, program=gaps_template.program, status="active").exists()
    assert f"({run.label})" in Task.objects.get(title="Order A1c").activities.get().body

    assert _run("careplans", fixed, "--map", "Member MRN=mrn", "Measure=template") is None
    again = ImportRun.objects.latest("pk")
    assert (again.created, again.unchanged) == (0, 1)
    assert CarePlan.objects.count() == 1 and Task.objects.count() == 2


def test_enrollments_upsert_by_patient_program_and_start(write, patient, diabetes):
    EnrollmentFactory(patient=patient, program=diabetes, started_on=datetime.date(2025, 1, 6))
    path = write(f"MRN,Program,Start,End\n{patient.mrn},diabetes,1/6/2025,3/1/2026\n")

    assert _run("enrollments", path) is None
    enrollment = Enrollment.objects.get()
    assert (enrollment.ended_on, enrollment.status) == (datetime.date(2026, 3, 1), EnrollmentStatus.ENDED)
    assert _run("enrollments", path) is None
    assert ImportRun.objects.latest("pk").unchanged == 1


def test_an_active_enrollment_from_another_date_is_refused(write, patient, diabetes):
    EnrollmentFactory(patient=patient, program=diabetes, started_on=datetime.date(2025, 1, 6))
    refused = _run("enrollments", write(f"MRN,Program,Start\n{patient.mrn},Diabetes care,2/1/2025\n"))
    assert refused.returncode == 1
    assert (
        ImportRun.objects.get().row_errors.get().message
        == "Already enrolled in Diabetes care since 01/06/2025."
    )


def test_an_xlsx_file_imports_with_its_date_cells(tmp_path, team):
    book = Workbook()
    sheet = book.active
    sheet.append(["MRN", "Last name", "First name", "Date of Birth", "Care team"])
    sheet.append([12345, "Rivera", "Ana", datetime.datetime(1956, 3, 14), "North team"])
    sheet.append(["B-2", "Okafor", "Ben", "7/4/1961", "North team"])
    sheet.append([None, None, None, None, None])
    path = tmp_path / "registry.xlsx"
    book.save(path)

    assert _run("patients", path) is None

    assert sorted(Patient.objects.values_list("mrn", "birth_date")) == [
        ("12345", datetime.date(1956, 3, 14)),
        ("B-2", datetime.date(1961, 7, 4)),
    ]
    assert ImportRun.objects.get().status == RunStatus.DONE
