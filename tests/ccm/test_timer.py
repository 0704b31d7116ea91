"""The task panel's timer (ccm.actions start/stop, ccm.views.timer): one per person, minutes to
the nearest, and what a stop recorded said in the panel it swaps in."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.errors import RuleViolation
from accounts.roles import sync_role_permissions
from ccm import actions, totals
from ccm.models import RunningTimer, TimeEntry
from tests.factories import PatientFactory, TaskFactory
from tests.helpers import inline_code, race

HTMX = {"HX-Request": "true"}


def _url(task, verb):
    return reverse("ccm_timer", args=[task.pk, verb])


def _sums(patient, month):
    return totals.patient_month(patient, month)


@pytest.fixture
def second_call(team, coordinator):
    """Another patient's call, owned by the same coordinator."""
    return TaskFactory(patient=PatientFactory(care_team=team, last_name="Okafor"), owner=coordinator)


# ---- one timer per person -------------------------------------------------------------------


def test_the_timer_records_the_minutes_since_its_server_side_start(consented, coordinator, task):
    timer = actions.start_timer(task, by=coordinator)
    assert actions.start_timer(task, by=coordinator).started_at == timer.started_at  # a second start keeps it
    entry = actions.stop_timer(
        task, by=coordinator, description="Call", now=timer.started_at + dt.timedelta(minutes=12, seconds=5)
    )
    assert (entry.minutes, entry.task, entry.author) == (12, task, coordinator)
    with pytest.raises(RuleViolation, match="No timer"):
        actions.stop_timer(task, by=coordinator, description="Again")


def test_a_start_while_the_timer_runs_on_another_task_is_refused(coordinator, task, second_call):
    running = actions.start_timer(task, by=coordinator)

    with pytest.raises(actions.TimerRunningElsewhere) as refused:
        actions.start_timer(second_call, by=coordinator)

    assert refused.value.rule == "one-timer-per-user"
    assert "one-timer-per-user" in refused.value.message
    assert refused.value.timer == running and refused.value.timer.task == task
    assert list(RunningTimer.objects.values_list("task_id", flat=True)) == [task.pk]


def test_each_person_has_their_own_timer(coordinator, colleague, task):
    actions.start_timer(task, by=coordinator)
    actions.start_timer(task, by=colleague)
    assert RunningTimer.objects.filter(task=task).count() == 2


def test_the_database_holds_one_timer_per_person(coordinator, task, second_call):
    RunningTimer.objects.create(user=coordinator, task=task, started_at=timezone.now())
    with (
        pytest.raises(IntegrityError, match=r"ccm_one_timer_per_user|ccm_runningtimer\.user_id"),
        transaction.atomic(),
    ):
        RunningTimer.objects.create(user=coordinator, task=second_call, started_at=timezone.now())


def test_the_refusal_names_the_rule_and_links_to_the_running_timer(client, coordinator, task, second_call):
    actions.start_timer(task, by=coordinator)
    client.force_login(coordinator)

    response = client.post(_url(second_call, "start"), headers=HTMX)

    assert response.status_code == 400
    page = response.content.decode()
    assert "one-timer-per-user" in page and 'role="alert"' in page
    assert f'href="{task.get_absolute_url()}#ccm"' in page
    assert task.patient.last_name in page
    assert "Start timer" not in page  # stop it there first
    assert inline_code(page) == []
    assert not RunningTimer.objects.filter(task=second_call).exists()


def test_another_tasks_panel_says_where_the_timer_runs(client, coordinator, task, second_call):
    actions.start_timer(task, by=coordinator)
    client.force_login(coordinator)

    page = client.get(second_call.get_absolute_url()).content.decode()

    assert "Your timer is running on" in page and f'href="{task.get_absolute_url()}#ccm"' in page
    assert "Start timer" not in page
    assert "Stop timer" in client.get(task.get_absolute_url()).content.decode()


def test_a_running_timers_panel_labels_each_description_field_once(client, coordinator, task):
    """The stop form and the by-hand form both ask "What was done": each label names its own
    field, so clicking one never types into the other."""
    actions.start_timer(task, by=coordinator)
    client.force_login(coordinator)

    page = client.get(task.get_absolute_url()).content.decode()

    assert page.count('id="id_timer_description"') == 1 and page.count('id="id_description"') == 1
    assert 'for="id_timer_description"' in page and 'for="id_description"' in page


def test_a_plain_post_start_elsewhere_comes_back_with_the_rule(client, coordinator, task, second_call):
    actions.start_timer(task, by=coordinator)
    client.force_login(coordinator)

    response = client.post(_url(second_call, "start"), follow=True)

    page = response.content.decode()
    assert "one-timer-per-user" in page and f'href="{task.get_absolute_url()}#ccm"' in page


def test_a_timer_elsewhere_on_a_task_no_longer_visible_is_not_named(client, coordinator, task, other_task):
    """The person left the team of the task their timer runs on: the panel does not name it."""
    RunningTimer.objects.create(user=coordinator, task=other_task, started_at=timezone.now())
    client.force_login(coordinator)

    page = client.get(task.get_absolute_url()).content.decode()

    assert "a task you can no longer open" in page
    assert other_task.patient.last_name not in page and other_task.get_absolute_url() not in page


def test_a_timer_on_a_task_no_longer_visible_can_be_discarded_from_another_panel(
    client, coordinator, colleague, task, other_task
):
    """Nothing is recorded, only the person's own timer goes (a colleague's stays), and the panel
    then offers the timer again."""
    RunningTimer.objects.create(user=coordinator, task=other_task, started_at=timezone.now())
    RunningTimer.objects.create(user=colleague, task=task, started_at=timezone.now())
    client.force_login(coordinator)
    assert _url(task, "discard-elsewhere") in client.get(task.get_absolute_url()).content.decode()

    response = client.post(_url(task, "discard-elsewhere"), headers=HTMX)

    assert response.status_code == 200
    assert list(RunningTimer.objects.values_list("user", flat=True)) == [colleague.pk]
    assert not TimeEntry.objects.exists()
    assert "Start timer" in response.content.decode()


@pytest.fixture
def seeded(transactional_db):
    """The role groups: a transactional test before this one may have flushed them."""
    sync_role_permissions()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql", "seeded")  # SQLite runs one writer at a time
def test_two_starts_at_once_on_two_tasks_cannot_both_stand(team, coordinator):
    calls = [TaskFactory(patient=PatientFactory(care_team=team), owner=coordinator) for _ in range(2)]

    first, second = race(lambda i: actions.start_timer(calls[i], by=coordinator), second_may_fail=True)

    assert first.task_id == calls[0].pk
    assert isinstance(second, actions.TimerRunningElsewhere) and second.timer.task_id == calls[0].pk
    assert list(RunningTimer.objects.values_list("task_id", flat=True)) == [calls[0].pk]


# ---- minutes to the nearest ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "minutes"),
    [(0, 0), (29, 0), (30, 1), (89, 1), (90, 2), (250, 4), (269, 4), (270, 5), (299, 5), (36000, 600)],
)
def test_a_timer_records_the_nearest_whole_minute(seconds, minutes):
    assert actions.timer_minutes(seconds) == minutes


def test_a_call_of_4_min_29_records_4_and_4_min_30_records_5(consented, coordinator, task):
    recorded = []
    for length in (dt.timedelta(minutes=4, seconds=29), dt.timedelta(minutes=4, seconds=30)):
        timer = actions.start_timer(task, by=coordinator)
        entry = actions.stop_timer(task, by=coordinator, description="Call", now=timer.started_at + length)
        recorded.append(entry.minutes)
    assert recorded == [4, 5]


def test_under_30_seconds_records_nothing_and_stops_the_timer(consented, coordinator, task):
    timer = actions.start_timer(task, by=coordinator)

    entry = actions.stop_timer(
        task, by=coordinator, description="Dialled, hung up", now=timer.started_at + dt.timedelta(seconds=29)
    )

    assert entry is None
    assert not TimeEntry.objects.exists() and not RunningTimer.objects.exists()


def test_a_timer_across_midnight_counts_on_the_day_it_started(consented, coordinator, task):
    # A call from 11:50 pm on the last day of a month to 12:10 am: the month it started in.
    month_start = timezone.localdate().replace(day=1)
    last_day = month_start - dt.timedelta(days=1)
    started = timezone.make_aware(dt.datetime.combine(last_day, dt.time(23, 50)))
    timer = actions.start_timer(task, by=coordinator)
    timer.started_at = started
    timer.save()
    entry = actions.stop_timer(
        task, by=coordinator, description="Late call", now=started + dt.timedelta(minutes=20)
    )
    assert entry.performed_on == last_day
    assert _sums(consented, month_start)["clinical"] == 0
    assert _sums(consented, last_day.replace(day=1))["clinical"] == 20


# ---- what the stop recorded, said where the user looks ----------------------------------------


def _started_ago(task, user, **ago):
    RunningTimer.objects.create(user=user, task=task, started_at=timezone.now() - dt.timedelta(**ago))


def test_the_stop_says_what_it_recorded_in_the_swapped_panel(client, consented, coordinator, task):
    _started_ago(task, coordinator, minutes=7, seconds=10)
    client.force_login(coordinator)

    response = client.post(_url(task, "stop"), {"description": "Medication review"}, headers=HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="ccm-timer"' in page.split(">", 1)[0]  # the partial, not the whole page
    assert 'role="status">Recorded 7 minutes' in page
    assert inline_code(page) == []
    # Said once, where it happened: not again on the next page.
    assert "Recorded 7 minutes" not in client.get(task.get_absolute_url()).content.decode()


def test_a_stop_under_30_seconds_says_nothing_was_recorded(client, consented, coordinator, task):
    _started_ago(task, coordinator, seconds=10)
    client.force_login(coordinator)

    page = client.post(_url(task, "stop"), {"description": "No answer"}, headers=HTMX).content.decode()

    assert "Under 30 seconds: no time recorded" in page and "Start timer" in page
    assert not TimeEntry.objects.exists()


def test_a_plain_post_stop_shows_what_it_recorded_on_the_task_page(client, consented, coordinator, task):
    _started_ago(task, coordinator, minutes=3)
    client.force_login(coordinator)

    response = client.post(_url(task, "stop"), {"description": "Refill call"}, follow=True)

    assert "Recorded 3 minutes" in response.content.decode()
    assert TimeEntry.objects.get().minutes == 3
