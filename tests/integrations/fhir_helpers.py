"""What the FHIR import tests share: the HL7 examples as published, Bundles of resources, the
counts of what an import writes, and emptying the database of patient data for a round trip."""

import json
from pathlib import Path

from django.db import connection

from careplans.models import Appointment, CarePlan, Enrollment, Goal, Patient
from tasks.models import Task

FIXTURES = Path(__file__).parent / "fixtures"


def example(name: str) -> dict:
    return json.loads((FIXTURES / f"hl7-{name}.json").read_text())


def bundle_of(*resources, kind="collection", base="http://hl7.org/fhir") -> dict:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources],
    }


def hl7_bundle() -> dict:
    return bundle_of(example("patient-example"), example("careplan-example"), example("task-example1"))


def counts() -> dict:
    return {m.__name__: m.objects.count() for m in (Patient, CarePlan, Goal, Task, Appointment)}


def empty_patient_data() -> None:
    """The empty database of a round trip: no patient data; the practice's users, teams and
    programs stay."""
    with connection.cursor() as cursor:  # the timeline is append-only: emptied below the ORM
        cursor.execute("DELETE FROM tasks_activity")
        # On PostgreSQL a trigger keeps the access log append-only: triggers are off for this
        # one delete (as a replica applies rows), inside the test's transaction.
        postgres = connection.vendor == "postgresql"
        if postgres:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM careplans_patientaccesslog")
        if postgres:
            cursor.execute("SET LOCAL session_replication_role = origin")
    Task.objects.all().delete()
    Goal.objects.all().delete()
    Appointment.objects.all().delete()
    CarePlan.objects.all().delete()
    Enrollment.objects.all().delete()
    Patient.objects.all().delete()
