"""Redis stopped, and a worker killed mid-send, against a real Redis, a real Celery worker
process and an SMTP server: users keep working, and each notice's email goes at most once.

Both run on PostgreSQL only (the worker process shares the test database); on a developer's
SQLite they are skipped, in CI they run."""

import datetime
import json

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from notifications import actions, jobs
from notifications.models import Delivery, Kind, Notification, NotificationPreference
from tasks.models import Task
from tests.factories import TaskFactory, member
from tests.faults.services import (
    RedisServer,
    SmtpSink,
    Worker,
    app_env,
    celery_publishing_to,
    database_url,
    needs_postgresql,
    wait_until,
)

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]


@pytest.fixture
def services(tmp_path):
    needs_postgresql()
    redis_server, sink = RedisServer().start(), SmtpSink()
    env = app_env(
        DATABASE_URL=database_url(),
        REDIS_URL=redis_server.url,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(sink.port),
    )
    workers: list[Worker] = []

    def start_worker() -> Worker:
        workers.append(Worker(env, tmp_path / "worker.log"))
        return workers[-1]

    try:
        with celery_publishing_to(redis_server.url):
            yield redis_server, sink, start_worker
    finally:
        for worker in workers:
            worker.stop()
        redis_server.stop()
        sink.close()


@pytest.fixture
def people(team):
    coordinator = member(Role.COORDINATOR, team, username="coordinator", email="coordinator@example.org")
    colleague = member(Role.COORDINATOR, team, username="colleague", email="colleague@example.org")
    NotificationPreference.objects.create(user=colleague, delivery=Delivery.IMMEDIATE)
    return coordinator, colleague


def reassign(client, task: Task, to) -> int:
    url = reverse("task_action", args=[task.pk, "reassign"])
    data = {"reassign-version": task.version, "reassign-to": to.pk, "reassign-reason": "Covering"}
    return client.post(url, data).status_code


def relay_as_beat_would() -> list[int]:
    """The relay job, run when its notices are past RELAY_AFTER (beat runs it every 15 minutes):
    the notices it queues an email for."""
    with time_machine.travel(timezone.now() + actions.RELAY_AFTER + datetime.timedelta(minutes=1)):
        relayed = actions.unsent_emails()
        assert jobs.relay_unsent_emails() == len(relayed)
    return relayed


def marker(task: Task) -> str:
    return task.get_absolute_url()


def test_with_redis_stopped_users_keep_working_and_each_email_goes_once_when_it_returns(
    services, people, patient, client, report
):
    redis_server, sink, start_worker = services
    coordinator, colleague = people
    before, during, after = (TaskFactory(patient=patient, owner=coordinator) for _ in range(3))
    start_worker()
    client.force_login(coordinator)

    assert reassign(client, before, colleague) == 302
    wait_until(lambda: sink.received(marker(before)) == 1, what="the email sent with Redis up")

    redis_server.stop()
    status = reassign(client, during, colleague)
    health = client.get("/healthz")
    assert status == 302  # the action committed; its email could not be queued
    assert Task.objects.get(pk=during.pk).owner == colleague
    assert health.status_code == 200
    assert json.loads(health.content) == {
        "status": "degraded",
        "database": "ok",
        "broker": "down",
        "cache": "ok",
    }
    notice = Notification.objects.get(task=during, kind=Kind.REASSIGNED)
    assert notice.emailed_at is None

    redis_server.start()  # empty: whatever was queued before is gone, as after a Redis restart
    assert relay_as_beat_would() == [notice.pk]
    assert reassign(client, after, colleague) == 302
    wait_until(lambda: sink.received(marker(after)) == 1, timeout=30, what="the worker to reconnect and send")
    assert relay_as_beat_would() == []  # the next beat: nothing left to relay
    jobs.send_notification_email.delay(notice.pk)  # a duplicate message too
    sentinel = TaskFactory(patient=patient, owner=coordinator)
    assert reassign(client, sentinel, colleague) == 302
    wait_until(
        lambda: sink.received(marker(sentinel)) == 1, what="the sentinel email"
    )  # in order: after the rest

    sent = {
        name: sink.received(marker(task))
        for name, task in {"before": before, "during": during, "after": after}.items()
    }
    assert sent == {"before": 1, "during": 1, "after": 1}
    assert Notification.objects.filter(kind=Kind.REASSIGNED, emailed_at__isnull=True).count() == 0
    report.update(failed_requests=0, emails=sent, healthz_while_down=json.loads(health.content))


def test_a_worker_killed_mid_send_sends_nothing_twice_after_restart(services, people, patient, report):
    _, sink, start_worker = services
    _, colleague = people
    cut, fresh = (TaskFactory(patient=patient, owner=colleague) for _ in range(2))
    notices = {
        task: Notification.objects.create(
            recipient=colleague, task=task, kind=Kind.OVERDUE, day=task.due_on, send_email=True
        )
        for task in (cut, fresh)
    }
    worker = start_worker()

    sink.holding = True
    jobs.send_notification_email.delay(notices[cut].pk)
    wait_until(lambda: sink.received(marker(cut)) == 1, what="the email to reach the SMTP server")
    worker.kill()  # the email has gone; the worker never heard the server's reply
    sink.holding = False

    start_worker()
    jobs.send_notification_email.delay(notices[cut].pk)  # its message again, as the broker redelivers it
    assert relay_as_beat_would() == [notices[fresh].pk]  # the relay leaves the cut-off one out
    wait_until(lambda: sink.received(marker(fresh)) == 1, what="the restarted worker to send")  # in order

    sent = {"cut off": sink.received(marker(cut)), "fresh": sink.received(marker(fresh))}
    assert sent == {"cut off": 1, "fresh": 1}
    cut_notice = Notification.objects.get(pk=notices[cut].pk)
    assert cut_notice.email_started_at is not None and cut_notice.emailed_at is None
    report.update(failed_requests=0, emails=sent)
