"""The dashboard's kept open-work counts (dashboards.open_counts): whatever writes the tasks, a
patient or a plan, the counts agree with the tasks at once (verify()), and every figure the
page reads from them still equals the rows its queue link lists. A practice-wide manager
(`director`, managing both teams) reads them; the checks run after each kind of write."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.roles import Role
from careplans.models import CarePlanStatus, RiskLevel
from dashboards import jobs as dashboard_jobs
from dashboards import open_counts
from dashboards.models import OpenCount, OpenCountAnchor
from notifications import jobs as notification_jobs
from tasks import actions, transfer
from tasks.choices import Status, TaskKind, WaitingReason
from tasks.models import Task
from tests.dashboards.test_drilldown import figures, queue_count
from tests.factories import LocationFactory, PatientFactory, ProgramFactory, TaskFactory, in_days, member
from tests.helpers import selected
from tests.notifications.conftest import seeded  # noqa: F401  # the roles, after a flush


@pytest.fixture(autouse=True)
def kept_counts(db):
    """The counts as the migration leaves them (a transactional test's flush empties them)."""
    if not OpenCountAnchor.objects.exists():
        open_counts.rebuild()


@pytest.fixture
def director(team, other_team):
    """Manages both teams: the practice-wide manager."""
    user = member(Role.MANAGER, team, username="director")
    assign_perm("accounts.manage_careteam", user, other_team)
    assign_perm("accounts.work_in_careteam", user, other_team)
    return user


def assert_counts_hold(client, user, *, kept: bool = True):
    """The kept counts agree with the tasks, and each figure with its queue's rows."""
    if kept:
        assert open_counts.verify() == []
    client.force_login(user)
    board = client.get(reverse("dashboard")).context["board"]
    assert open_counts.usable(board.slice) is kept
    checked = {name: (figure.value, queue_count(client, figure.url)) for name, figure in figures(board)}
    assert {name: shown for name, (shown, _) in checked.items()} == {
        name: listed for name, (_, listed) in checked.items()
    }
    assert next(t for t in board.tiles if t.key == "open").figure.value > 0
    return board


def test_the_practice_wide_dashboard_reads_the_kept_counts(client, director, known):
    board = assert_counts_hold(client, director)

    tiles = {t.key: t.figure.value for t in board.tiles}
    # The North team's open work (conftest `known`: a, b, c, k, d, e, f, g) and the South's (o):
    # overdue a, b, k, o; due today c; upcoming d, e, g; wait ended g.
    assert tiles == {"overdue": 4, "due_today": 1, "upcoming": 3, "wait_ended": 1, "open": 9}


def test_the_counts_follow_every_single_task_action(client, director, known, manager, coordinator, colleague):
    t = known.tasks
    actions.start_task(t["a"], by=coordinator)
    actions.wait_task(t["d"], by=colleague, reason=WaitingReason.values[0], until=in_days(1))
    actions.complete_task(Task.objects.get(pk=t["c"].pk), by=coordinator, outcome="Done")
    actions.cancel_task(t["e"], by=manager, reason="Not needed")
    actions.reopen_task(Task.objects.get(pk=t["h"].pk), by=manager, reason="Redo the lab")
    actions.reassign_task(t["f"], by=manager, to=coordinator, reason="Covering")
    actions.change_task(Task.objects.get(pk=t["g"].pk), by=manager, reason="Later", due_on=in_days(12))
    actions.resume_task(Task.objects.get(pk=t["b"].pk), by=coordinator)
    TaskFactory(patient=t["a"].patient, owner=colleague, due_on=in_days(-4), kind=TaskKind.REFERRAL)

    assert_counts_hold(client, director)


def test_the_counts_follow_the_patient_and_the_plan(client, director, known, provider):
    high, low = known.tasks["a"].patient, known.tasks["d"].patient
    high.risk_level = RiskLevel.LOW
    high.location = LocationFactory(name="Harbor Clinic")
    high.save()
    low.is_restricted = True  # its tasks leave every figure of a manager not granted the patient
    low.save()
    plan = known.tasks["a"].care_plan
    plan.program = ProgramFactory(name="Hypertension")
    plan.save()

    board = assert_counts_hold(client, director)
    breakdowns = {b.key: {r.label: r.open.value for r in b.rows} for b in board.breakdowns}
    assert "High" not in breakdowns["risk"]
    assert breakdowns["locations"]["Harbor Clinic"] == 4  # a, b, c, k
    assert "Hillside Clinic" not in breakdowns["locations"]  # d, e, f, g: restricted now
    assert breakdowns["programs"] == {"Hypertension": 4, "No program (ad hoc)": 1}  # and o


def test_a_restricted_patient_granted_one_by_one_is_counted_for_that_manager(client, director, known):
    south = PatientFactory(care_team=known.tasks["o"].care_team, is_restricted=True)
    TaskFactory(patient=south, owner=known.tasks["o"].owner, due_on=in_days(-1))
    assign_perm("careplans.view_patient", director, south)

    board = assert_counts_hold(client, director)
    assert next(t for t in board.tiles if t.key == "open").figure.value == 10


def test_the_counts_follow_a_transfer(client, director, known, other_team, outsider):
    patient = known.tasks["d"].patient
    preview = transfer.preview_transfer(patient, to_team=other_team)

    transfer.transfer_patient(
        patient, by=director, to_team=other_team, reason="Moved", expected_version=preview.version
    )

    assert_counts_hold(client, director)


def test_the_counts_follow_bulk_reassign_cancel_and_reschedule(client, director, known, colleague):
    t = known.tasks
    client.force_login(director)
    client.post(
        reverse("bulk_reassign"),
        {"task_ids": selected(t["a"], t["d"]), "reassign-to": colleague.pk, "reassign-reason": "Covering"},
    )
    client.post(reverse("bulk_cancel"), {"task_ids": selected(t["e"], t["o"]), "cancel-reason": "Duplicate"})
    client.post(
        reverse("bulk_reschedule"),
        {
            "task_ids": selected(t["c"], t["f"]),
            "reschedule-due_on": in_days(-3),
            "reschedule-reason": "Slipped",
        },
    )

    assert Task.objects.filter(status=Status.CANCELLED).count() == 3  # n, e, o
    assert_counts_hold(client, director)


def test_the_counts_follow_a_plan_ending_with_its_tasks(client, director, known, provider):
    plan = known.tasks["a"].care_plan
    client.force_login(provider)
    client.post(
        reverse("care_plan_edit", args=[plan.pk]),
        {
            "version": plan.version,
            "status": CarePlanStatus.REVOKED,
            "ends_on": "",
            "interventions": "",
            "goals-TOTAL_FORMS": 0,
            "goals-INITIAL_FORMS": 0,
            "cancel_open_tasks": "on",
            "reason": "Moved away",
        },
    )

    assert Task.objects.get(pk=known.tasks["a"].pk).status == Status.CANCELLED
    assert_counts_hold(client, director)


def test_the_counts_follow_the_jobs(client, director, known):
    notification_jobs.sweep_overdue()
    notification_jobs.sweep_waiting_expired()
    notification_jobs.escalate_overdue()
    dashboard_jobs.take_daily_snapshot()
    dashboard_jobs.maintain_open_counts()

    assert_counts_hold(client, director)


def test_compacting_sums_the_appended_rows_and_keeps_every_figure(client, director, known, coordinator):
    for _ in range(3):
        task = Task.objects.get(pk=known.tasks["a"].pk)
        actions.change_task(
            task, by=director, reason="Moved", due_on=task.due_on + datetime.timedelta(days=5)
        )
    before = OpenCount.objects.count()

    removed = open_counts.compact()

    assert removed > 0 and OpenCount.objects.count() == before - removed
    assert not OpenCount.objects.filter(n=0).exists()
    assert_counts_hold(client, director)


def test_a_rebuild_gives_the_rows_the_writes_summed_to(director, known):
    kept = set(map(tuple, _summed()))

    open_counts.rebuild()

    assert set(map(tuple, _summed())) == kept


def _summed():
    with connection.cursor() as cursor:
        from dashboards import open_count_sql

        cursor.execute(open_count_sql.summed())
        return cursor.fetchall()


def test_the_day_after_the_anchor_the_counts_still_answer_and_then_the_tasks_do(
    client, director, known, monkeypatch
):
    """Clamped dates classify as the tasks do for a today of the anchor day or the next (a
    task due on the anchor day is overdue the next day); later, the page counts the tasks."""
    anchor = OpenCountAnchor.objects.get()
    for days, kept in ((1, True), (2, False)):
        later = anchor.day + datetime.timedelta(days=days)
        monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, later=later, **k: later)
        board = assert_counts_hold(client, director, kept=kept)
        assert board.slice.today == later


def test_the_job_rebuilds_on_a_new_day_and_compacts_otherwise(known):
    anchor = OpenCountAnchor.objects.get()
    tomorrow = anchor.day + datetime.timedelta(days=1)

    assert open_counts.maintain(anchor.day).startswith("compacted")
    assert open_counts.maintain(tomorrow).startswith("rebuilt")
    assert OpenCountAnchor.objects.get().day == tomorrow
    assert open_counts.verify() == []


def test_the_command_verifies_and_rebuilds(known, capsys):
    call_command("open_counts")
    assert "agree" in capsys.readouterr().out

    OpenCount.objects.create(
        care_team_id=known.tasks["a"].care_team_id,
        patient_team_id=known.tasks["a"].care_team_id,
        owner_id=known.tasks["a"].owner_id,
        location_id=known.team_location.pk,
        risk_level=RiskLevel.HIGH,
        kind=TaskKind.LAB,
        due_on=known.today,
        n=1,
    )
    with pytest.raises(CommandError, match="1 counts differ"):
        call_command("open_counts")

    call_command("open_counts", "--rebuild")
    call_command("open_counts")
    assert "agree" in capsys.readouterr().out


# ---- concurrent writers (PostgreSQL) ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql", "seeded")
def test_a_burst_of_concurrent_actions_leaves_the_counts_exact(client, team, other_team):
    """Eight threads, each on its own connection, move tasks of the same few counted rows at
    once (start, reassign, reschedule, complete, cancel), while a ninth compacts: afterwards the
    counts agree with the tasks and every figure with its queue."""
    director = member(Role.MANAGER, team, username="director")
    assign_perm("accounts.manage_careteam", director, other_team)
    coordinators = [member(Role.COORDINATOR, team) for _ in range(2)]
    patients = [PatientFactory(care_team=team) for _ in range(4)]
    tasks = [
        TaskFactory(patient=patients[i % 4], owner=coordinators[i % 2], due_on=in_days(i % 5 - 2))
        for i in range(64)
    ]
    open_counts.rebuild()
    ids = [t.pk for t in tasks]
    errors: list[Exception] = []
    start = threading.Barrier(9, timeout=20)

    def work(n: int):
        try:
            start.wait()
            for pk in ids[n::8]:
                task = Task.objects.get(pk=pk)
                step = pk % 5
                if step == 0:
                    actions.start_task(task, by=task.owner)
                elif step == 1:
                    other = coordinators[0] if task.owner_id == coordinators[1].pk else coordinators[1]
                    actions.reassign_task(task, by=director, to=other, reason="Covering")
                elif step == 2:
                    actions.change_task(task, by=director, reason="Later", due_on=in_days(3))
                elif step == 3:
                    actions.complete_task(task, by=task.owner, outcome="Done")
                else:
                    actions.cancel_task(task, by=director, reason="Duplicate")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    def compacting():
        try:
            start.wait()
            for _ in range(5):
                open_counts.compact()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    threads.append(threading.Thread(target=compacting))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert Task.objects.filter(status__in=(Status.COMPLETED, Status.CANCELLED)).count() > 0
    assert_counts_hold(client, director)
