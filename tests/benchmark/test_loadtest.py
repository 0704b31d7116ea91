"""The load test's parts that run without a server: the ramp and what each step held, who signs
in (with authenticators whose codes the real verify page accepts), and the check that no update
was lost (benchmark/loadtest/)."""

import json
import time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import totp

from accounts.roles import Role
from benchmark.loadtest import lost_updates, staff, steps
from tasks import actions
from tasks.choices import Status
from tasks.models import Task
from tests.factories import PatientFactory, TaskFactory, member

# ---- the ramp -------------------------------------------------------------------------------


def test_the_ramp_holds_each_user_count_for_a_step_then_stops():
    ramp = steps.Ramp.parse("10,20", "60", "20")

    assert [ramp.users_at(t) for t in (0, 59.9, 60, 119.9, 120)] == [10, 10, 20, 20, None]
    assert ramp.window(1) == (80.0, 120.0)


@pytest.mark.parametrize(
    ("users", "step", "settle"), [("", "60", "10"), ("20,10", "60", "10"), ("5", "30", "30")]
)
def test_a_ramp_that_cannot_be_measured_is_refused(users, step, settle):
    with pytest.raises(ValueError):
        steps.Ramp.parse(users, step, settle)


def test_each_step_is_measured_after_it_settles_and_the_best_held_one_is_reported():
    ramp = steps.Ramp.parse("2,4,8", "10", "5")
    samples = [steps.Sample(1.0, "/login/", 900.0, True)]  # while the first step settles: left out
    samples += [steps.Sample(5 + i / 10, "/work/", 100.0, True) for i in range(40)]  # 8 req/s
    samples += [steps.Sample(15 + i / 10, "/work/", 200.0, True) for i in range(40)]
    samples += [steps.Sample(19.9, "/work/", 300.0, False)]  # one error: step 2 not held
    samples += [steps.Sample(25 + i / 20, "/work/", 600.0, True) for i in range(100)]  # p95 too slow

    results = steps.measure(ramp, samples)

    assert [(r.users, r.requests, r.rps, r.p95_ms, r.errors, r.held) for r in results] == [
        (2, 40, 8.0, 100.0, 0, True),
        (4, 41, 8.2, 200.0, 1, False),
        (8, 100, 20.0, 600.0, 0, False),
    ]
    assert steps.held(results).users == 2
    assert "req/s" in steps.table(results)


# ---- who signs in ---------------------------------------------------------------------------


def test_prepare_writes_the_staff_with_working_authenticators(tmp_path, team, coordinator, manager, settings):
    TaskFactory(patient=PatientFactory(care_team=team), owner=coordinator)
    path = tmp_path / "staff.json"

    prepared = staff.prepare(path=path, workers_count=10, managers_count=3)

    written = json.loads(path.read_text())
    assert written == prepared
    assert written["workers"] == ["coordinator"]  # the only one owning open work
    assert [m["username"] for m in written["managers"]] == [
        "manager",
        "loadtest.manager2",
        "loadtest.manager3",
    ]
    assert written["password"] == settings.DEMO_PASSWORD
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    extra = type(manager).objects.get(username="loadtest.manager2")
    assert extra.check_password(settings.DEMO_PASSWORD)
    assert extra.has_perm("accounts.manage_careteam", team)  # manages the same teams as the seed's

    # The real sign-in: password, then a code computed from the written key.
    key = written["managers"][1]["totp_key"]
    from django.test import Client

    browser = Client()
    response = browser.post(
        reverse("login"), {"username": "loadtest.manager2", "password": settings.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    code = f"{totp(bytes.fromhex(key), step=30, t0=0, digits=6):06d}"
    response = browser.post(reverse("two_factor_verify"), {"code": code})
    assert response.status_code == 302
    assert browser.get(reverse("dashboard")).status_code == 200


def test_prepare_refuses_any_database_but_a_load_tests(db):
    with pytest.raises(CommandError, match="only on a database whose name says loadtest"):
        call_command("loadtest_prepare")


# ---- no update lost -------------------------------------------------------------------------


def _logged(task: Task, verb: str, user, **extra) -> dict:
    return {"task": task.pk, "verb": verb, "user": user.username, "at": time.time(), **extra}


def test_every_logged_change_is_found_with_its_history_and_timeline(team, coordinator):
    task = TaskFactory(patient=PatientFactory(care_team=team), owner=coordinator)
    log = []
    task = actions.start_task(task, by=coordinator, expected_version=task.version)
    log.append(_logged(task, "start", coordinator, version=task.version, status=Status.IN_PROGRESS))
    actions.add_note(task, by=coordinator, body="Called (load test 1)")
    log.append(_logged(task, "note", coordinator, body="Called (load test 1)"))
    task = actions.complete_task(task, by=coordinator, outcome="Done", expected_version=task.version)
    log.append(_logged(task, "complete", coordinator, version=task.version, status=Status.COMPLETED))

    result = lost_updates.check(log)

    assert (result.actions, result.changes, result.notes, result.lost, result.inconsistent) == (
        3,
        2,
        1,
        [],
        [],
    )
    assert result.ok


def test_a_change_missing_from_the_database_or_a_version_off_its_history_is_reported(team, coordinator):
    task = TaskFactory(patient=PatientFactory(care_team=team), owner=coordinator)
    started = actions.start_task(task, by=coordinator, expected_version=task.version)
    log = [
        _logged(started, "start", coordinator, version=started.version, status=Status.IN_PROGRESS),
        # The server said yes, but nothing of it is in the database.
        _logged(started, "complete", coordinator, version=started.version + 1, status=Status.COMPLETED),
        _logged(started, "note", coordinator, body="never written"),
    ]
    Task.objects.filter(pk=task.pk).update(version=7)  # a save that bypassed history

    result = lost_updates.check(log)

    assert len(result.lost) == 3
    assert result.inconsistent == [f"task {task.pk}: version 7, 2 history rows"]
    assert not result.ok


def test_the_check_command_fails_on_a_lost_update(tmp_path, team, coordinator):
    task = TaskFactory(patient=PatientFactory(care_team=team), owner=coordinator)
    path = tmp_path / "actions.jsonl"
    path.write_text(json.dumps(_logged(task, "start", coordinator, version=2, status="in_progress")) + "\n")

    with pytest.raises(CommandError, match="not all in the database"):
        call_command("loadtest_check", str(path))


def test_a_medical_assistant_with_open_work_signs_in_too(team):
    assistant = member(Role.MEDICAL_ASSISTANT, team, username="ma")
    TaskFactory(patient=PatientFactory(care_team=team), owner=assistant)

    assert staff.workers(5) == ["ma"]


# ---- CPU by tier ----------------------------------------------------------------------------


def test_a_windows_cpu_counts_each_process_from_the_sample_before_it_and_a_new_one_whole():
    from benchmark.loadtest import cpu

    samples = [
        cpu.Sample(0.0, {"web": {10: 1.0}, "database": {20: 5.0}, "worker": {}}),
        cpu.Sample(1.0, {"web": {10: 2.0}, "database": {20: 6.0}, "worker": {}}),
        # backend 20 ended (its connection renewed) and 21 took over
        cpu.Sample(2.0, {"web": {10: 3.5}, "database": {20: 6.5, 21: 0.5}, "worker": {}}),
        cpu.Sample(3.0, {"web": {10: 4.0}, "database": {21: 1.0}, "worker": {}}),
    ]

    assert cpu.spent(samples, 1.0, 3.0) == {"web": 2.0, "database": 1.5, "worker": 0.0}


def test_the_step_table_shows_cpu_per_request_by_tier():
    ramp = steps.Ramp.parse("2", "10", "5")
    samples = [steps.Sample(5 + i / 10, "/work/", 100.0, True) for i in range(40)]

    (result,) = steps.measure(ramp, samples, lambda start, end: {"web": 2.0, "database": 0.4})

    assert result.cpu_ms == {"web": 50.0, "database": 10.0}
    assert "web CPU ms/req" in steps.table([result])


def test_cpu_seconds_are_read_for_a_process_and_its_children():
    import os

    from benchmark.loadtest import cpu

    assert os.getpid() in cpu.tree(os.getpid())
    assert cpu.cpu_seconds(os.getpid()) > 0
