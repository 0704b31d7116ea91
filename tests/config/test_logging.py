"""Logs carry ids and paths, never patient identifiers or free text. A unique marker is put in
the patient's name and MRN and in every free-text field; every page, action, refusal and error
runs with all logging captured at DEBUG; the marker must appear in no record."""

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from careplans.models import Patient
from tasks import actions
from tasks.choices import Status
from tests.factories import PatientFactory, TaskFactory, in_days
from tests.helpers import selected

MARKER = "Zqxmarker"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def all_logs(caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    return caplog


def _leaks(records) -> list[str]:
    """Records whose formatted text (message, traceback, stack) holds the marker."""
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    leaks = []
    for record in records:
        if record.name.startswith("factory"):
            continue  # factory_boy's own DEBUG lines echo the test data: tooling, not the app
        text = formatter.format(record) + (record.exc_text or "")
        at = text.lower().find(MARKER.lower())
        if at >= 0:
            leaks.append(f"{record.name}: ...{text[max(0, at - 300) : at + 100]}...")
    return leaks


@pytest.fixture
def marked(team, coordinator):
    patient = PatientFactory(
        care_team=team, first_name=MARKER, last_name=f"{MARKER}son", mrn=f"MRN-{MARKER}", phone="555-0100"
    )

    def task(status=Status.NEW, owner=coordinator):
        return TaskFactory(patient=patient, owner=owner, status=status, title=f"Call {MARKER} about labs")

    return patient, task


def _post(client, task, verb, headers=None, **fields):
    data = {f"{verb}-{key}": value for key, value in fields.items()}
    if verb not in ("note", "attempt"):
        data.setdefault(f"{verb}-version", task.version)
    return client.post(reverse("task_action", args=[task.pk, verb]), data, headers=headers or {})


def test_patient_identifiers_never_reach_the_logs(
    client, all_logs, marked, coordinator, colleague, manager, front_desk, outsider, admin
):
    patient, make_task = marked
    free_text = f"{MARKER} asked for a call back"
    seen = {}

    def hit(label, response):
        seen[label] = response.status_code

    client.force_login(coordinator)
    task = make_task()
    hit("patient page", client.get(reverse("patient_detail", args=[patient.pk])))
    hit("task page", client.get(reverse("task_detail", args=[task.pk])))
    hit("task panel", client.get(reverse("task_detail", args=[task.pk]), headers=HTMX))
    hit("search", client.get(reverse("patient_list"), {"q": MARKER}))
    hit("queue search", client.get(reverse("team_queue"), {"q": MARKER}))
    hit("export", client.get(reverse("queue_export"), {"q": MARKER}))
    hit("my work", client.get(reverse("my_work")))
    hit("start", _post(client, task, "start"))
    hit("note", _post(client, task, "note", body=free_text))
    hit("attempt", _post(client, task, "attempt", body=free_text, contact_outcome="left_message"))
    hit("patient note", client.post(reverse("patient_note_add", args=[patient.pk]), {"body": free_text}))
    task.refresh_from_db()
    hit("wait", _post(client, task, "wait", reason="patient_callback", until=in_days(1), note=free_text))
    task.refresh_from_db()
    hit("resume", _post(client, task, "resume", headers=HTMX, note=free_text))
    task.refresh_from_db()
    hit("complete", _post(client, task, "complete", outcome=free_text))
    other = make_task()
    hit("cancel", _post(client, other, "cancel", reason=free_text))
    third = make_task()
    hit("reassign", _post(client, third, "reassign", to=colleague.pk, reason=free_text))
    bulk = make_task()
    hit(
        "bulk reassign",
        client.post(
            reverse("bulk_reassign"), {"task_ids": selected(bulk), "to": colleague.pk, "reason": free_text}
        ),
    )
    client.force_login(manager)
    rescheduled, cancelled = make_task(), make_task()
    hit(
        "bulk reschedule",
        client.post(
            reverse("bulk_reschedule"),
            {
                "task_ids": selected(rescheduled),
                "reschedule-due_on": in_days(9),
                "reschedule-reason": free_text,
            },
        ),
    )
    hit(
        "bulk cancel (one refused)",
        client.post(
            reverse("bulk_cancel"),
            {"task_ids": selected(cancelled, make_task(status=Status.COMPLETED)), "cancel-reason": free_text},
        ),
    )
    client.force_login(coordinator)

    # Refusals: invalid form, broken rule, stale version, wrong role, not visible.
    fresh = make_task()
    hit("invalid form", _post(client, fresh, "complete", outcome=""))
    hit("invalid date", _post(client, fresh, "wait", reason="other", until=in_days(-2), note=free_text))
    started = make_task(status=Status.IN_PROGRESS)
    hit("rule violation", _post(client, started, "start", headers=HTMX))
    stale = fresh.version
    actions.start_task(fresh, by=manager)
    hit("version conflict", _post(client, fresh, "complete", version=stale, outcome=free_text))
    client.force_login(front_desk)
    hit("wrong role", _post(client, task, "reopen", reason=free_text))
    client.force_login(admin)
    hit("admin list", client.get(reverse("patient_list"), {"q": MARKER}))
    client.force_login(manager)
    task.refresh_from_db()
    hit("reopen", _post(client, task, "reopen", reason=free_text))
    client.force_login(outsider)
    hit("outsider page", client.get(reverse("patient_detail", args=[patient.pk])))
    hit("outsider note", _post(client, task, "note", body=free_text))

    assert seen == {
        **dict.fromkeys(
            [
                "patient page",
                "task page",
                "task panel",
                "search",
                "queue search",
                "export",
                "my work",
                "resume",
            ],
            200,
        ),
        **dict.fromkeys(
            [
                *("start", "note", "attempt", "patient note", "wait", "complete", "cancel"),
                *("reassign", "bulk reassign", "bulk reschedule", "bulk cancel (one refused)", "reopen"),
            ],
            302,
        ),
        **dict.fromkeys(["invalid form", "invalid date", "rule violation"], 400),
        "version conflict": 409,
        "wrong role": 403,
        "admin list": 403,
        "outsider page": 404,
        "outsider note": 404,
    }
    messages = " ".join(r.getMessage() for r in all_logs.records)
    for logged in ("Bad Request", "Conflict", "Forbidden", "Not Found"):
        assert logged in messages, f"expected a {logged!r} log record: is logging captured?"
    assert _leaks(all_logs.records) == []


@pytest.mark.urls("tests.config.failing_urls")
def test_unhandled_server_error_logs_no_patient_identifiers(
    client, all_logs, marked, coordinator, mailoutbox
):
    patient, _ = marked
    client.force_login(coordinator)
    client.raise_request_exception = False

    response = client.get(reverse("failing_patient", args=[patient.pk]), {"q": MARKER})

    assert response.status_code == 500
    assert MARKER not in response.text
    errors = [r for r in all_logs.records if r.levelno >= logging.ERROR]
    assert errors and errors[0].exc_info, "the server error was not logged with its traceback"
    assert _leaks(all_logs.records) == []
    assert all(MARKER not in m.body and MARKER not in m.subject for m in mailoutbox)


def test_sql_parameters_stay_out_of_the_logs_even_at_debug(all_logs, marked):
    all_logs.set_level(logging.DEBUG, logger="django.db")
    with CaptureQueriesContext(connection):  # forces the debug cursor, as DEBUG=True would
        assert Patient.objects.filter(first_name=MARKER).exists()

    assert _leaks(all_logs.records) == []
