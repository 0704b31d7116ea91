"""FHIR R4 Bundle import from the command (`manage.py fhir_import`) and the upload page: the
summary, the exit status, dry run first, the team and the right the page asks for."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from tasks.models import Task
from tests.helpers import inline_code
from tests.integrations.fhir_helpers import counts, hl7_bundle

# ---- the command and the upload page ---------------------------------------------------------


def test_the_command_imports_prints_the_summary_and_fails_on_refusal(tmp_path, team, coordinator):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(hl7_bundle()))
    out = io.StringIO()
    call_command(
        "fhir_import",
        str(path),
        "--team",
        team.name,
        "--owner",
        coordinator.username,
        "--dry-run",
        stdout=out,
    )
    assert "dry run, nothing saved" in out.getvalue() and Task.objects.count() == 0
    with pytest.raises(SystemExit) as refused:
        call_command(
            "fhir_import", str(path), "--team", team.name, stdout=io.StringIO()
        )  # no owner for the Organization-owned task
    assert refused.value.code == 1 and Task.objects.count() == 0
    call_command(
        "fhir_import",
        str(path),
        "--team",
        str(team.pk),
        "--owner",
        coordinator.username,
        stdout=io.StringIO(),
    )
    assert Task.objects.count() == 1
    # Again, without --owner: the task is the one imported, and keeps its owner.
    out = io.StringIO()
    call_command("fhir_import", str(path), stdout=out)
    assert "unchanged: 1 CarePlan, 1 Patient, 1 Task" in out.getvalue()
    assert Task.objects.get().owner == coordinator


def _upload(client, bundle, team, *, dry_run):
    upload = SimpleUploadedFile("bundle.json", json.dumps(bundle).encode(), content_type="application/json")
    data = {"bundle": upload, "team": team.pk}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("fhir_upload"), data)


def test_a_manager_uploads_a_bundle_dry_run_first(client, manager, team):
    client.force_login(manager)
    page = client.get(reverse("fhir_upload"))
    assert page.status_code == 200 and inline_code(page.content.decode()) == []
    response = _upload(client, hl7_bundle(), team, dry_run=True)
    assert response.status_code == 200 and b"Dry run" in response.content
    assert Task.objects.count() == 0
    response = _upload(client, hl7_bundle(), team, dry_run=False)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert Task.objects.get().owner == manager  # the Organization's task goes to the importer
    assert b"Peter" not in response.content  # the report names no patient


def test_the_upload_refuses_a_team_the_manager_does_not_manage_and_non_json(
    client, manager, other_team, team
):
    client.force_login(manager)
    assert _upload(client, hl7_bundle(), other_team, dry_run=False).status_code == 400
    bad = SimpleUploadedFile("bundle.json", b"\xff\xfenot json")
    assert client.post(reverse("fhir_upload"), {"bundle": bad, "team": team.pk}).status_code == 400
    assert counts() == dict.fromkeys(counts(), 0)


@pytest.mark.parametrize("role", ["provider", "coordinator", "front_desk", "admin", "outsider"])
def test_only_the_import_right_opens_the_upload_page(client, request, role, team):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert client.get(reverse("fhir_upload")).status_code == 403
    assert _upload(client, hl7_bundle(), team, dry_run=False).status_code == 403
    assert counts()["Patient"] == 0
