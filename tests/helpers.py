"""Helpers shared by the suite: task state assertions, query counts, the strict-CSP page check,
and what to do when the machine lacks a service a test needs."""

import os
import re
import threading
import time
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import NoReturn

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tasks.models import Activity, Task


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def unavailable(message: str) -> NoReturn:
    """Something a test needs from the machine (Chromium, Redis) is missing: skip on a developer's
    machine, but fail in CI, where a silent skip would pass a run that tested nothing."""
    if in_ci():
        pytest.fail(f"{message} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(message)


def count_queries(client, url, **headers) -> int:
    """The SQL queries one GET of `url` costs; the page must answer 200."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return len(context.captured_queries)


class _InlineCode(HTMLParser):
    # Event handler attributes (onclick=...), and htmx's hx-on / hx-on:click, which htmx evaluates.
    HANDLER = re.compile(r"^(on[a-z]+|hx-on.*|data-hx-on.*)$")

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        values = dict(attrs)
        raw = self.get_starttag_text()
        if tag == "script" and "src" not in names and values.get("type") != "application/json":
            self.found.append(f"inline script: {raw}")
        if tag == "style":
            self.found.append(f"style element: {raw}")
        if "style" in names:
            self.found.append(f"style attribute: {raw}")
        self.found.extend(f"event handler {name}: {raw}" for name in names if self.HANDLER.match(name))


def inline_code(html: str) -> list[str]:
    """What the strict CSP (no 'unsafe-inline') would refuse in `html`: <script> elements without a
    src, <style> elements, style= attributes and inline event handlers. A JSON data block
    (`<script type="application/json">`, Django's json_script) is allowed: browsers never execute
    it, and script-src does not apply to it."""
    parser = _InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


def task_state(task: Task) -> tuple:
    """Everything a refused change must leave alone: the row, its timeline and its history."""
    return (
        Task.objects.values().get(pk=task.pk),
        list(Activity.objects.filter(task_id=task.pk).values_list("pk", flat=True)),
        list(Task.history.filter(id=task.pk).values_list("history_id", flat=True)),
    )


@contextmanager
def changes_nothing(task: Task):
    before = task_state(task)
    yield
    after = task_state(task)
    assert after[0] == before[0], "the task row changed"
    assert after[1] == before[1], "an Activity was written"
    assert after[2] == before[2], "a history row was written"


@contextmanager
def creates_nothing():
    counts = (Task.objects.count(), Activity.objects.count(), Task.history.count())
    yield
    assert (Task.objects.count(), Activity.objects.count(), Task.history.count()) == counts


def selected(*tasks: Task) -> list[str]:
    """Rows ticked in the team queue, as its checkboxes post them: "id:version"."""
    return [f"{t.pk}:{t.version}" for t in tasks]


def last_activity(task: Task) -> Activity:
    return Activity.objects.filter(task_id=task.pk).order_by("-pk").first()


def new_activities(task: Task, since: int):
    """Activities of `task` with a pk above `since`, oldest first."""
    return list(Activity.objects.filter(task_id=task.pk, pk__gt=since).order_by("pk"))


def activity_mark() -> int:
    last = Activity.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def authenticator(user):
    """The user's confirmed authenticator app (django-otp's TOTP device), made if they have none:
    a phone set up before the test."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    found = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return found or TOTPDevice.objects.create(user=user, name="Test phone", confirmed=True)


def totp_code(device) -> str:
    """The code the authenticator app shows now, computed from the device's key as the app does.
    A code is accepted once: after one was used in this 30-second step, the next step's (the
    device tolerates one step of clock drift)."""
    import time

    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = max(time.time(), device.t0 + (device.last_t + 1) * device.step)
    return f"{totp.token():0{device.digits}d}"


def race(job, *, second_may_fail: bool = False):
    """Run `job(0)` and `job(1)` in two threads, each on its own database connection: the first
    commits only after the second has started, so the second cannot see the first's uncommitted
    rows. Returns both results; with `second_may_fail`, what the second raised is its result (the
    refusal under test), else any exception fails the test."""
    started = threading.Barrier(2, timeout=10)
    results, errors = {}, []

    def first():
        try:
            with transaction.atomic():
                results["first"] = job(0)
                started.wait()
                time.sleep(0.5)  # the second is now running against our uncommitted rows
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    def second():
        try:
            started.wait()
            results["second"] = job(1)
        except Exception as error:
            if not second_may_fail:
                errors.append(error)
            results["second"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    return results["first"], results["second"]
