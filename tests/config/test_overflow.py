"""Input that cannot crash a page: page numbers, ids and dates out of range answer 400, 404, a
field error or an empty/last page, never 500. The same cases run on SQLite locally and on
PostgreSQL in CI (DATABASE_URL), where an integer past bigint or a date past year 9999 is an error
from the database rather than from Python."""

import pytest
from django.urls import reverse

from tasks.exports import csv_safe
from tests.helpers import changes_nothing, creates_nothing

HUGE = "99999999999999999999"  # past a bigint (9223372036854775807)
BIGINT_PLUS = "9223372036854775808"
YEAR_1 = "0001-01-01"
YEAR_9999 = "9999-12-31"


GET_CASES = [
    f"/queue/?page={HUGE}",
    "/queue/?page=-3",
    "/queue/?page=1e400",
    f"/queue/?owner={HUGE}",
    f"/queue/?program={HUGE}&location={HUGE}&care_team={HUGE}",
    f"/queue/?due_on_after={YEAR_1}&due_on_before={YEAR_9999}",
    f"/queue/?due_on_after={YEAR_9999}",
    f"/queue/?event=created&event_on_after={YEAR_1}&event_on_before={YEAR_9999}",
    f"/queue/?event=completed&event_on_after={YEAR_9999}&event_on_before={YEAR_9999}",
    "/queue/?q=12/31/9999",
    "/queue/?q=01/01/0001",
    f"/queue/?q={HUGE}",
    f"/queue/export.csv?due_on_after={YEAR_1}&due_on_before={YEAR_9999}",
    f"/queue/export.csv?event=created&event_on_after={YEAR_1}",
    f"/patients/?page={HUGE}",
    "/patients/search/?q=12/31/9999",
    f"/patients/search/?q={HUGE}",
    f"/patients/{HUGE}/",
    f"/patients/{BIGINT_PLUS}/",
    f"/patients/{HUGE}/tasks/new/",
    f"/patients/{HUGE}/care-plans/new/",
    f"/patients/{HUGE}/transfer/",
    f"/care-plans/{HUGE}/edit/",
    f"/tasks/{HUGE}/",
    f"/tasks/{BIGINT_PLUS}/",
    f"/work/?page={HUGE}",
    f"/notifications/?page={HUGE}",
    f"/notifications/overdue/2026-01-05/?page={HUGE}",
    f"/notifications/overdue/{YEAR_9999}/",
    f"/notifications/overdue/{YEAR_1}/",
    f"/dashboard/?start={YEAR_1}&end=0001-01-28",
    f"/dashboard/?end={YEAR_1}",
    f"/dashboard/?start={YEAR_1}",
    f"/dashboard/?start={YEAR_9999}&end={YEAR_9999}",
    f"/dashboard/?care_team={HUGE}&location={HUGE}&program={HUGE}",
    f"/dashboard/export.csv?start={YEAR_1}&end=0001-01-28",
    f"/dashboard/export.csv?end={YEAR_1}",
]


@pytest.fixture
def overflow_world(manager, coordinator, task):
    return task


@pytest.mark.parametrize("url", GET_CASES)
def test_a_get_out_of_range_answers_without_a_server_error(client, manager, overflow_world, url):
    client.force_login(manager)
    response = client.get(url)
    assert response.status_code in (200, 302, 400, 404), (url, response.status_code)


def post_cases(task, patient, colleague) -> dict[str, tuple[str, dict]]:
    at = f"{task.pk}:{task.version}"
    verb = lambda name: reverse("task_action", args=[task.pk, name])  # noqa: E731
    return {
        "bulk reassign, huge id": (
            reverse("bulk_reassign"),
            {"task_ids": [f"{HUGE}:1"], "to": colleague.pk, "reason": "x"},
        ),
        "bulk reassign, 18-digit id, huge version": (
            reverse("bulk_reassign"),
            {"task_ids": [f"999999999999999999:{HUGE}"], "to": colleague.pk, "reason": "x"},
        ),
        "bulk reassign, huge owner": (
            reverse("bulk_reassign"),
            {"task_ids": [at], "to": HUGE, "reason": "x"},
        ),
        "bulk cancel, bigint+1 id": (
            reverse("bulk_cancel"),
            {"task_ids": [f"{BIGINT_PLUS}:1"], "cancel-reason": "x"},
        ),
        "bulk reschedule, year 9999": (
            reverse("bulk_reschedule"),
            {"task_ids": [at], "reschedule-due_on": YEAR_9999, "reschedule-reason": "x"},
        ),
        "bulk reschedule, year 1": (
            reverse("bulk_reschedule"),
            {"task_ids": [at], "reschedule-due_on": YEAR_1, "reschedule-reason": "x"},
        ),
        "start, huge version": (verb("start"), {"start-version": HUGE}),
        "wait until 9999": (
            verb("wait"),
            {"wait-version": task.version, "wait-reason": "patient", "wait-until": YEAR_9999},
        ),
        "wait until year 1": (
            verb("wait"),
            {"wait-version": task.version, "wait-reason": "patient", "wait-until": YEAR_1},
        ),
        "change, due 9999": (
            verb("change"),
            {"change-version": task.version, "change-title": "x", "change-kind": task.kind}
            | {"change-priority": task.priority, "change-due_on": YEAR_9999, "change-reason": "x"},
        ),
        "change, due year 1": (
            verb("change"),
            {"change-version": task.version, "change-title": "x", "change-kind": task.kind}
            | {"change-priority": task.priority, "change-due_on": YEAR_1, "change-reason": "x"},
        ),
        "attempt, call back 9999": (
            verb("attempt"),
            {"attempt-version": task.version, "attempt-contact_outcome": "no_answer"}
            | {"attempt-call_back_on": YEAR_9999},
        ),
        "reassign, huge owner": (
            verb("reassign"),
            {"reassign-version": task.version, "reassign-to": HUGE, "reassign-reason": "x"},
        ),
        "new task, huge owner, due 9999": (
            reverse("task_create", args=[patient.pk]),
            {"title": "x", "kind": "outreach_call", "owner": HUGE, "due_on": YEAR_9999, "priority": 2},
        ),
        "new task, due year 1, huge plan": (
            reverse("task_create", args=[patient.pk]),
            {"title": "x", "kind": "outreach_call", "due_on": YEAR_1, "care_plan": HUGE, "priority": 2},
        ),
        "read a huge notification": (reverse("notifications_read"), {"notification": HUGE}),
        "read a day in 9999": (reverse("notifications_read"), {"kind": "overdue", "day": YEAR_9999}),
        "delete a huge saved filter": (f"/queue/saved/{HUGE}/delete/", {}),
        "act on a huge task": (f"/tasks/{HUGE}/start/", {"start-version": 1}),
    }


@pytest.mark.parametrize(
    "case",
    [
        "bulk reassign, huge id",
        "bulk reassign, 18-digit id, huge version",
        "bulk reassign, huge owner",
        "bulk cancel, bigint+1 id",
        "bulk reschedule, year 9999",
        "bulk reschedule, year 1",
        "start, huge version",
        "wait until 9999",
        "wait until year 1",
        "change, due 9999",
        "change, due year 1",
        "attempt, call back 9999",
        "reassign, huge owner",
        "new task, huge owner, due 9999",
        "new task, due year 1, huge plan",
        "read a huge notification",
        "read a day in 9999",
        "delete a huge saved filter",
        "act on a huge task",
    ],
)
def test_a_post_out_of_range_answers_without_a_server_error(
    client, manager, colleague, overflow_world, patient, case
):
    url, data = post_cases(overflow_world, patient, colleague)[case]
    client.force_login(manager)
    with changes_nothing(overflow_world), creates_nothing():
        response = client.post(url, data)
    # 409: a version the task never had is a conflict, as a stale one is.
    assert response.status_code in (200, 302, 400, 404, 409), (url, response.status_code)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_the_csv_guard_reads_every_formula_start_as_text(start):
    assert csv_safe(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"
    assert csv_safe(f"Smith{start}") == f"Smith{start}"


def test_a_page_past_the_end_shows_the_last_page(client, manager, overflow_world):
    client.force_login(manager)
    response = client.get(f"/queue/?page={HUGE}")
    assert [task.pk for task in response.context["page"]] == [overflow_world.pk]


def test_a_dashboard_period_in_year_1_is_a_field_error_and_the_default_period(client, manager, today):
    client.force_login(manager)
    response = client.get(f"/dashboard/?start={YEAR_1}&end=0001-01-28")
    assert response.status_code == 200
    assert "Enter a date between the years 1900 and 2999." in response.content.decode()
    assert response.context["form"].period()[1] == today
