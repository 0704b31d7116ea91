"""End to end on a real Celery worker consuming from Redis (CI sets REDIS_URL; skipped without
a reachable one, except under CI, where that fails). The worker runs in a thread of this process with its own database
connection, on a queue of its own so that parallel test processes, or a developer's running
worker on the same Redis, never take each other's messages."""

import os
import time
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction
from django.urls import reverse

from config.celery import app as celery_app
from notifications import jobs
from notifications.models import Delivery, Kind, Notification, NotificationPreference
from tests.factories import TaskFactory, in_days
from tests.helpers import unavailable

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]


def _redis_problem() -> str | None:
    """Why no worker can run on Redis here, or None."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return "REDIS_URL is not set: no Redis to run a worker on (CI sets it)"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis at REDIS_URL is not reachable: {error}"
    if not celery_app.conf.broker_url.startswith("redis"):
        return "the Celery broker is not Redis (CELERY_BROKER_URL overrides REDIS_URL)"
    return None


@pytest.fixture
def worker():
    if problem := _redis_problem():
        unavailable(problem)  # skips on a developer's machine, fails in CI
    queue = f"followthrough-test-{uuid.uuid4().hex}"
    previous = celery_app.conf.task_default_queue, celery_app.conf.task_always_eager
    celery_app.conf.task_default_queue, celery_app.conf.task_always_eager = queue, False
    try:
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, queues=[queue], loglevel="WARNING"
        ) as started:
            yield started
    finally:
        celery_app.conf.task_default_queue, celery_app.conf.task_always_eager = previous
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)


def _wait_for(condition, *, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("the worker did not get there in time")


def _beat(entry: str):
    """Send a job exactly as beat does: by the name and options in the schedule."""
    scheduled = celery_app.conf.beat_schedule[entry]
    return celery_app.send_task(scheduled["task"], **scheduled.get("options", {}))


def test_beat_job_runs_in_the_worker_and_its_notice_reaches_the_inbox(worker, client, patient, coordinator):
    task = TaskFactory(patient=patient, owner=coordinator, due_on=in_days(-1))

    _beat("notifications-overdue-sweep")
    _wait_for(lambda: Notification.objects.filter(task=task, kind=Kind.OVERDUE).exists())

    client.force_login(coordinator)
    page = client.get(reverse("inbox"))
    assert "A task you own is overdue" in page.text
    assert f'href="{task.get_absolute_url()}"' in page.text
    assert '<span class="count count-alert">1</span>' in client.get(reverse("inbox_badge")).text


def test_worker_sends_an_immediate_email_once(worker, patient, coordinator):
    NotificationPreference.objects.create(user=coordinator, delivery=Delivery.IMMEDIATE)
    task = TaskFactory(patient=patient, owner=coordinator, due_on=in_days(-1))
    sentinel = Notification.objects.create(
        recipient=coordinator, task=task, kind=Kind.WAITING_EXPIRED, day=task.due_on, send_email=True
    )

    _beat("notifications-overdue-sweep")
    _wait_for(lambda: Notification.objects.filter(kind=Kind.OVERDUE, emailed_at__isnull=False).exists())
    _beat("notifications-overdue-sweep")  # a second beat
    jobs.send_notification_email.delay(Notification.objects.get(kind=Kind.OVERDUE).pk)  # a duplicate
    jobs.send_notification_email.delay(sentinel.pk)  # the solo worker runs its queue in order
    _wait_for(lambda: Notification.objects.get(pk=sentinel.pk).emailed_at is not None)

    assert sorted(email.subject for email in mail.outbox) == [
        "Followthrough: A task you own is overdue",
        "Followthrough: A wait you set has ended",
    ]


class Rollback(Exception):
    pass


def test_email_queued_in_a_transaction_that_rolls_back_never_runs(worker, patient, coordinator, task):
    rolled_back = Notification.objects.create(
        recipient=coordinator, task=task, kind=Kind.OVERDUE, day=task.due_on, send_email=True
    )
    sentinel = Notification.objects.create(
        recipient=coordinator, task=task, kind=Kind.WAITING_EXPIRED, day=task.due_on, send_email=True
    )

    with pytest.raises(Rollback), transaction.atomic():
        jobs.send_notification_email.delay_on_commit(rolled_back.pk)
        raise Rollback
    jobs.send_notification_email.delay(sentinel.pk)  # the solo worker runs its queue in order
    _wait_for(lambda: Notification.objects.get(pk=sentinel.pk).emailed_at is not None)

    assert Notification.objects.get(pk=rolled_back.pk).emailed_at is None
    assert len(mail.outbox) == 1
