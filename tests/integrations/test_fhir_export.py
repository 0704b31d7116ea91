"""FHIR R4 reads: $everything and the Task and CarePlan searches, for every role; and the
practice-wide NDJSON export. Every resource they write validates with fhir.resources (R4B, whose
models of these resources are R4's)."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from careplans.models import AccessOutcome, GoalStatus, PatientAccessLog
from integrations.fhir import mapping
from tasks.choices import Status, TaskKind
from tests.factories import AppointmentFactory, GoalFactory, TaskFactory, in_days
from tests.helpers import count_queries


def _everything(patient):
    return reverse("fhir_everything", args=[patient.pk])


def _tasks(patient):
    return f"{reverse('fhir_task_search')}?patient={patient.pk}"


def _plans(patient):
    return f"{reverse('fhir_care_plan_search')}?patient={patient.pk}"


def _valid_bundle(response) -> dict:
    """The body, after checking it is a valid FHIR Bundle whose every entry is a valid resource."""
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/fhir+json")
    assert "no-store" in response["Cache-Control"]
    body = json.loads(response.content)
    Bundle.model_validate(body)
    for entry in body["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"].endswith(f"/fhir/R4/{resource['resourceType']}/{resource['id']}")
    return body


def _types(body) -> list[str]:
    return [entry["resource"]["resourceType"] for entry in body["entry"]]


def _of(body, kind) -> list[dict]:
    return [e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == kind]


@pytest.fixture
def record(patient, care_plan, coordinator, front_desk, provider):
    """A patient with a plan and two goals, tasks in each status (one clinical, one a front desk
    call), and an appointment."""
    GoalFactory(care_plan=care_plan, description="Walk 30 minutes daily", target="5 days a week")
    GoalFactory(care_plan=care_plan, description="HbA1c below 7%", target="", status=GoalStatus.ACHIEVED)
    tasks = {
        status: TaskFactory(
            patient=patient, owner=coordinator, status=status, kind=TaskKind.LAB, care_plan=care_plan
        )
        for status in Status.values
    }
    call = TaskFactory(patient=patient, owner=front_desk, kind=TaskKind.SCHEDULING, title="Book the eye exam")
    AppointmentFactory(patient=patient, provider=provider, external_id="A-1", source="athena")
    return tasks, call


def test_everything_holds_the_patient_plans_goals_tasks_appointments_and_owners(
    client, coordinator, patient, record
):
    client.force_login(coordinator)
    body = _valid_bundle(client.get(_everything(patient)))

    assert body["type"] == "searchset"
    assert _types(body)[0] == "Patient"
    assert sorted(set(_types(body))) == ["Appointment", "CarePlan", "Goal", "Patient", "Practitioner", "Task"]
    assert len(_of(body, "Task")) == 6 and len(_of(body, "Goal")) == 2
    mrn = _of(body, "Patient")[0]["identifier"][0]
    assert (mrn["value"], mrn["type"]["coding"][0]["code"]) == (patient.mrn, "MR")
    # Owners are Practitioners of the Bundle, named by username.
    practitioners = {p["id"]: p for p in _of(body, "Practitioner")}
    for task in _of(body, "Task"):
        owner = task["owner"]
        assert owner["reference"].removeprefix("Practitioner/") in practitioners
        assert owner["identifier"]["system"] == mapping.USERNAME_SYSTEM
    plan = _of(body, "CarePlan")[0]
    assert {g["reference"] for g in plan["goal"]} == {f"Goal/{g['id']}" for g in _of(body, "Goal")}
    assert plan["description"]  # the interventions: clinical, shown to a coordinator


def test_each_status_goes_out_as_the_tables_fhir_code(client, coordinator, patient, record):
    tasks, _call = record
    client.force_login(coordinator)
    body = _valid_bundle(client.get(_tasks(patient)))
    by_id = {e["resource"]["id"]: e["resource"] for e in body["entry"]}

    for status, task in tasks.items():
        out = by_id[str(task.pk)]
        assert out["status"] == mapping.TASK_STATUS_OUT[status]
        assert out["basedOn"] == [{"reference": f"CarePlan/{task.care_plan_id}"}]
        assert out["extension"][0] == {"url": mapping.DUE_DATE_URL, "valueDate": task.due_on.isoformat()}
    waiting = by_id[str(tasks[Status.WAITING].pk)]
    task = tasks[Status.WAITING]
    assert waiting["businessStatus"]["coding"][0]["code"] == task.waiting_reason
    assert waiting["restriction"]["period"]["end"] == task.waiting_until.isoformat()
    new = by_id[str(tasks[Status.NEW].pk)]
    assert new["restriction"]["period"]["end"] == tasks[Status.NEW].due_on.isoformat()
    assert (
        by_id[str(tasks[Status.COMPLETED].pk)]["output"][0]["valueString"] == tasks[Status.COMPLETED].outcome
    )


def test_front_desk_gets_no_plan_no_goal_and_only_its_kinds_of_task(client, front_desk, patient, record):
    _tasks_by_status, call = record
    client.force_login(front_desk)
    body = _valid_bundle(client.get(_everything(patient)))

    assert "CarePlan" not in _types(body) and "Goal" not in _types(body)
    tasks = _of(body, "Task")
    assert [t["id"] for t in tasks] == [str(call.pk)]
    assert "basedOn" not in tasks[0]
    text = json.dumps(body)
    assert "Titrate metformin" not in text and "Walk 30 minutes" not in text
    # Its own search of plans: the right is missing.
    response = client.get(_plans(patient))
    assert response.status_code == 403
    assert json.loads(response.content)["resourceType"] == "OperationOutcome"
    assert [t["resource"]["id"] for t in _valid_bundle(client.get(_tasks(patient)))["entry"]] == [
        str(call.pk)
    ]


def test_care_plan_search_lists_plans_with_goal_references_but_no_goal_resources(
    client, provider, patient, record
):
    client.force_login(provider)
    body = _valid_bundle(client.get(_plans(patient)))
    assert _types(body) == ["CarePlan"]
    assert len(body["entry"][0]["resource"]["goal"]) == 2


@pytest.mark.parametrize("url", [_everything, _tasks, _plans])
def test_a_patient_of_another_team_is_not_found_and_the_refusal_logged(client, outsider, patient, url):
    client.force_login(outsider)
    response = client.get(url(patient))
    assert response.status_code == 404
    assert json.loads(response.content)["resourceType"] == "OperationOutcome"
    row = PatientAccessLog.objects.get(user=outsider)
    assert (row.outcome, row.patient_id) == (AccessOutcome.REFUSED, patient.pk)


@pytest.mark.parametrize("url", [_everything, _tasks, _plans])
def test_the_admin_role_sees_no_patient_data(client, admin, patient, url):
    client.force_login(admin)
    assert client.get(url(patient)).status_code == 403


@pytest.mark.parametrize("url", [_everything, _tasks, _plans])
def test_each_read_writes_the_access_log(client, provider, patient, url):
    client.force_login(provider)
    response = client.get(url(patient))
    assert response.status_code == 200
    row = PatientAccessLog.objects.get(user=provider)
    assert (row.outcome, row.patient_id, row.path) == (
        AccessOutcome.SHOWN,
        patient.pk,
        response.wsgi_request.path,
    )


@pytest.mark.parametrize("query", ["", "?patient=", "?patient=abc", "?patient=99999999999999999999"])
def test_a_search_without_a_patient_is_a_bad_request(client, coordinator, query):
    client.force_login(coordinator)
    response = client.get(reverse("fhir_task_search") + query)
    assert response.status_code == 400
    assert json.loads(response.content)["issue"][0]["code"] == "required"


def test_patient_reference_form_is_accepted(client, coordinator, patient, task):
    client.force_login(coordinator)
    response = client.get(f"{reverse('fhir_task_search')}?patient=Patient/{patient.pk}")
    assert [e["resource"]["id"] for e in _valid_bundle(response)["entry"]] == [str(task.pk)]


def test_everything_costs_the_same_queries_with_3_tasks_and_30(client, coordinator, patient, care_plan):
    client.force_login(coordinator)
    for _ in range(3):
        TaskFactory(patient=patient, owner=coordinator, care_plan=care_plan, kind=TaskKind.LAB)
        GoalFactory(care_plan=care_plan)
        AppointmentFactory(patient=patient)
    few = count_queries(client, _everything(patient))
    for i in range(27):
        TaskFactory(patient=patient, owner=coordinator, care_plan=care_plan, due_on=in_days(i + 1))
        AppointmentFactory(patient=patient)
    assert count_queries(client, _everything(patient)) == few


def test_bulk_export_writes_one_valid_resource_a_line_per_type(tmp_path, patient, record):
    call_command("fhir_export", "--out", str(tmp_path), stdout=io.StringIO())

    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == sorted(
        f"{t}.ndjson" for t in ("Patient", "Practitioner", "CarePlan", "Goal", "Task", "Appointment")
    )
    counts = {}
    for path in tmp_path.iterdir():
        lines = path.read_text().splitlines()
        counts[path.stem] = len(lines)
        for line in lines:
            resource = json.loads(line)
            assert resource["resourceType"] == path.stem
            get_fhir_model_class(path.stem).model_validate(resource)
    assert counts["Patient"] >= 1 and counts["Task"] == 6 and counts["Goal"] == 2
    plan = json.loads((tmp_path / "CarePlan.ndjson").read_text().splitlines()[0])
    assert len(plan["goal"]) == 2
