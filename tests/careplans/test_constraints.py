"""What the database itself guarantees about patients and plans. Each violation runs in its own
savepoint so the test database stays usable."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from careplans.models import EnrollmentStatus, Patient
from tests.factories import (
    AppointmentFactory,
    CarePlanFactory,
    EnrollmentFactory,
    PatientFactory,
    ProgramFactory,
    TemplateTaskFactory,
)


def test_duplicate_mrn_fails(patient):
    with (
        pytest.raises(IntegrityError, match=r"patient_mrn_unique|careplans_patient\.mrn"),
        transaction.atomic(),
    ):
        PatientFactory(mrn=patient.mrn, care_team=patient.care_team)
    assert Patient.objects.filter(mrn=patient.mrn).count() == 1


def test_one_active_enrollment_per_program(patient):
    program = ProgramFactory()
    EnrollmentFactory(patient=patient, program=program)
    EnrollmentFactory(patient=patient, program=program, status=EnrollmentStatus.ENDED)

    with pytest.raises(IntegrityError), transaction.atomic():
        EnrollmentFactory(patient=patient, program=program)
    assert patient.enrollments.count() == 2


def test_enrollment_and_plan_cannot_end_before_they_start(patient):
    start = datetime.date(2025, 3, 1)
    with pytest.raises(IntegrityError, match="enrollment_ends_after_start"), transaction.atomic():
        EnrollmentFactory(patient=patient, started_on=start, ended_on=start - datetime.timedelta(days=1))
    with pytest.raises(IntegrityError, match="careplan_ends_after_start"), transaction.atomic():
        CarePlanFactory(patient=patient, starts_on=start, ends_on=start - datetime.timedelta(days=1))


def test_template_step_count_needs_an_interval(db):
    with pytest.raises(IntegrityError, match="templatetask_count_needs_interval"), transaction.atomic():
        TemplateTaskFactory(recurrence_count=3, recurrence_days=None)


def test_appointment_external_id_is_unique_per_source_but_blank_ids_repeat(patient):
    AppointmentFactory(patient=patient, source="ehr", external_id="A-1")
    AppointmentFactory(patient=patient, source="ehr", external_id="")
    AppointmentFactory(patient=patient, source="ehr", external_id="")

    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(patient=patient, source="ehr", external_id="A-1")
    assert patient.appointments.count() == 3
