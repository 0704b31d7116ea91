"""The benchmark runner: pages through the test client, jobs timed apart from their setup and
rolled back, queries counted on the measured targets."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse

from benchmark import bench
from careplans.models import Patient, PatientAccessLog
from tasks.models import Task
from tests.factories import PatientFactory
from tests.notifications.conftest import seeded  # noqa: F401  # the roles, after a flush


def test_pages_are_timed_and_counted(db):
    case = bench.Case("login", lambda ctx, n: [reverse("login")] * n, user=None)

    result = bench.run_case(case, requests=3, warmup=1, seed=1)

    assert (result.requests, result.statuses, result.queries) == (3, {"200": 3}, "0")
    assert 0 < result.p50_ms <= result.p95_ms <= result.max_ms
    assert result.sql_p50_ms == 0.0  # no SQL: nothing to run bare, and no ratio to it
    assert result.ratio is None


def test_a_pages_own_sql_is_run_bare_beside_it_and_writes_nothing(coordinator, task):
    from careplans.models import PatientAccessLog

    case = bench.Case("task", lambda ctx, n: [reverse("task_detail", args=[task.pk])] * n)

    result = bench.run_case(case, requests=3, warmup=1, seed=1)

    assert (result.error, result.statuses) == ("", {"200": 3})
    assert result.sql_p50_ms > 0 and result.ratio == round(result.p50_ms / result.sql_p50_ms, 2)
    # 1 warm-up + 3 timed + 3 counted requests each log the task's patient; the bare runs none
    assert PatientAccessLog.objects.filter(user=coordinator).count() == 7
    assert "SQL p50 ms" in bench.table([result])


def test_the_admin_task_list_is_timed_as_the_operator_over_the_coordinators_team(coordinator, task):
    case = next(c for c in bench.CASES if c.name == "admin task changelist (100 rows)")

    result = bench.run_case(case, requests=3, warmup=1, seed=1)

    assert (result.error, result.statuses) == ("", {"200": 3})
    assert get_user_model().objects.get(username=bench.users.OPERATOR).is_superuser


def test_a_job_counts_only_its_own_queries_and_leaves_nothing_behind(db, task):
    def prepare():
        Task.objects.filter(pk=task.pk).update(title="prepared")

    def job():
        assert Task.objects.get(pk=task.pk).title == "prepared"  # one query, on the prepared state
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    case = bench.Case(
        "job", lambda ctx, n: [bench.JobRun(prepare, job)] * n, user=None, runs=4, counted_runs=2
    )

    result = bench.run_case(case, requests=50, warmup=5, seed=1)

    assert (result.requests, result.statuses, result.queries) == (4, {"ok": 4}, "2")
    task.refresh_from_db()
    assert task.title != "prepared"


def test_the_inbox_cases_fill_a_managers_inbox_once_and_open_its_biggest_line(manager, team, coordinator):
    from benchmark import inbox
    from notifications.models import Notification
    from tests.factories import PatientFactory, TaskFactory

    for _ in range(40):
        TaskFactory(patient=PatientFactory(care_team=team), owner=coordinator)
    made = inbox.ensure_inbox(manager)
    assert made == Notification.objects.filter(recipient=manager).count() == 40
    assert inbox.ensure_inbox(manager) == 40  # keyed like the jobs' rows: nothing twice

    for case in (c for c in bench.CASES if c.name.startswith("inbox")):
        result = bench.run_case(case, requests=3, warmup=1, seed=1)
        assert (result.error, result.statuses) == ("", {"200": 3}), case.name


def test_patient_search_runs_as_a_manager_of_every_team(db, team, other_team):
    PatientFactory(care_team=team, phone="(315) 555-0162")
    PatientFactory(care_team=other_team, phone="412-555-0199")
    case = next(c for c in bench.CASES if c.name == "patient search")

    result = bench.run_case(case, requests=10, warmup=1, seed=1)
    director = get_user_model().objects.get(username=bench.EVERY_TEAM_MANAGER)

    assert (result.requests, result.statuses, result.error) == (10, {"200": 10}, "")
    assert Patient.objects.visible_to(director).count() == 2
    assert PatientAccessLog.objects.filter(user=director).exists()  # the searches found patients


def test_the_audit_cases_run_as_compliance_and_as_a_manager(manager, coordinator, team, monkeypatch):
    from benchmark import audit_log

    # A few thousand rows: the cases' shape, not the bench's ten million (which took CI 17 minutes).
    monkeypatch.setattr(audit_log, "LOG_ROWS", 2_000)

    for _ in range(3):
        PatientAccessLog.objects.create(user=coordinator, patient=PatientFactory(care_team=team), path="/")
    for case in (c for c in bench.CASES if c.name.startswith("audit page")):
        result = bench.run_case(case, requests=7, warmup=1, seed=1)
        assert (result.error, result.statuses) == ("", {"200": 7}), case.name
    assert (
        get_user_model()
        .objects.get(username=audit_log.COMPLIANCE)
        .has_perm("careplans.review_practice_access_log")
    )


def test_the_access_log_is_filled_set_based_once(postgresql, coordinator, team):
    from benchmark import audit_log

    for _ in range(5):
        PatientFactory(care_team=team)
    assert audit_log.ensure_log(2_000) == 2_000
    assert audit_log.ensure_log(2_000) == 2_000  # nothing twice
    exports = PatientAccessLog.objects.filter(reason="export")
    assert exports.exists() and not exports.filter(patient__isnull=False).exists()
    assert not PatientAccessLog.objects.filter(patient__isnull=False, care_team__isnull=True).exists()


def test_the_fhir_case_tops_each_patient_up_to_50_tasks_once_at_a_fixed_query_count(coordinator, team):
    from benchmark import fhir

    patients = [PatientFactory(care_team=team) for _ in range(2)]
    case = next(c for c in bench.CASES if c.name.startswith("FHIR $everything"))
    result = bench.run_case(case, requests=4, warmup=1, seed=1)

    assert (result.error, result.statuses) == ("", {"200": 4})
    assert result.queries_min == result.queries_max
    counts = [Task.objects.filter(patient=p).count() for p in patients]
    assert counts == [fhir.TASKS_PER_PATIENT] * 2
    fhir.with_tasks(coordinator, [p.pk for p in patients])  # again: nothing more
    assert Task.objects.filter(patient__in=patients).count() == 2 * fhir.TASKS_PER_PATIENT


def _practice_wide(names):
    return [c for c in bench.CASES if c.name in names]


# Transactional: on PostgreSQL the dashboard cases VACUUM first, which no transaction may hold.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded")
def test_the_practice_wide_cases_run_as_a_manager_of_every_team(team, other_team, coordinator, outsider):
    from tests.factories import TaskFactory, in_days

    for owner, patient_team in ((coordinator, team), (outsider, other_team)):
        TaskFactory(patient=PatientFactory(care_team=patient_team), owner=owner, due_on=in_days(-1))
    names = (
        "dashboard, practice-wide",
        "team queue, practice-wide (100 rows/page)",
    )

    results = [bench.run_case(case, requests=5, warmup=1, seed=1) for case in _practice_wide(names)]

    assert [(r.name, r.user, r.error) for r in results] == [(n, bench.EVERY_TEAM_MANAGER, "") for n in names]
    assert [r.statuses for r in results] == [{"200": 5}, {"200": 5}]
    director = get_user_model().objects.get(username=bench.EVERY_TEAM_MANAGER)
    assert Task.objects.visible_to(director).count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql", "seeded")
def test_the_best_sql_floor_runs_on_postgresql(team, other_team, coordinator):
    from tests.factories import TaskFactory, in_days

    TaskFactory(patient=PatientFactory(care_team=team), owner=coordinator, due_on=in_days(-1))
    (case,) = _practice_wide(("dashboard best-SQL floor, practice-wide",))

    result = bench.run_case(case, requests=3, warmup=1, seed=1)

    assert (result.statuses, result.error) == ({"ok": 3}, "")


def test_the_ccm_cases_run_as_the_director(db, team, coordinator):
    for case in (c for c in bench.CASES if c.name.startswith("CCM")):
        result = bench.run_case(case, requests=3, warmup=1, seed=1)
        assert result.error == "", case.name
        assert set(result.statuses) <= {"200", "ok"}, case.name


def test_the_ccm_practice_is_seeded_set_based_once(postgresql, team):
    from benchmark import ccm as bench_ccm
    from ccm.models import Consent, MonthTotal, TimeEntry

    for _ in range(30):
        PatientFactory(care_team=team)
    bench_ccm.ensure_ccm()
    counts = (Consent.objects.count(), TimeEntry.objects.count(), MonthTotal.objects.count())
    bench_ccm.ensure_ccm()
    assert counts[0] >= 5 and counts[1] > 0 and counts[2] > 0
    assert (Consent.objects.count(), TimeEntry.objects.count(), MonthTotal.objects.count()) == counts
