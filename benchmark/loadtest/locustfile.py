"""Simulated staff doing their day (`make loadtest`; locust, headless).

Coordinators (and medical assistants): My work, open one of their tasks, start it, put it on
hold, resume it, complete it, add a note, open the patient, search for a patient. Managers: the
dashboard, the team queue (sorted and filtered), a patient from it. Everyone signs in through the
real pages: password, then (managers) a code computed from their authenticator's key.

A simulated user works only on tasks whose id falls in its own slot (id modulo the sessions its
login may have), so two sessions of one person never race for a task: any refused change (409
conflict, 400 rule) is an error. Every change the server accepted is appended to the action log
(task, verb, the version it must now have, who), which `manage.py loadtest_check` verifies.

Settings from the environment: LOADTEST_STAFF (the file loadtest_prepare wrote), LOADTEST_LOG,
LOADTEST_REPORT, LOADTEST_STEPS ("10,20,40"), LOADTEST_STEP_SECONDS, LOADTEST_SETTLE_SECONDS,
LOADTEST_MANAGER_SHARE (managers among the users, 0.2)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import os
import random
import re
import threading
import time
import uuid
from pathlib import Path

import gevent
from django_otp.oath import totp
from locust import HttpUser, LoadTestShape, between, events, task
from locust.exception import StopUser

from benchmark.loadtest import cpu, steps

STAFF = json.loads(Path(os.environ.get("LOADTEST_STAFF", "var/loadtest/staff.json")).read_text())
LOG = Path(os.environ.get("LOADTEST_LOG", "var/loadtest/actions.jsonl"))
REPORT = Path(os.environ.get("LOADTEST_REPORT", "var/loadtest/report.json"))
RAMP = steps.Ramp.parse(
    os.environ.get("LOADTEST_STEPS", "10,20,40"),
    os.environ.get("LOADTEST_STEP_SECONDS", "60"),
    os.environ.get("LOADTEST_SETTLE_SECONDS", "20"),
)
MANAGER_SHARE = float(os.environ.get("LOADTEST_MANAGER_SHARE", "0.2"))
# How many sessions a coordinator login may have at the top of the ramp: the task slots.
WORKER_SLOTS = max(1, math.ceil(max(RAMP.users) * (1 - MANAGER_SHARE) / len(STAFF["workers"])))

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TASK_LINK = re.compile(r'href="/tasks/(\d+)/"')
PATIENT_LINK = re.compile(r'href="/patients/(\d+)/"')
STATUS = re.compile(r'<span class="status status-(\w+)">')
QUEUE_VARIANTS = ["", "?page=2", "?sort=-priority", "?due=overdue", "?kind=lab"]
NEXT_STATUS = {"start": "in_progress", "wait": "waiting", "resume": "in_progress", "complete": "completed"}

_lock = threading.Lock()
_samples: list[steps.Sample] = []
_started = time.time()
_worker_seats = itertools.count()
_manager_seats = itertools.count()
_last_code_step: dict[str, int] = {}
# The servers' CPU by tier, sampled each second (LOADTEST_WEB_PID: gunicorn's master).
_sampler = (
    cpu.Sampler(
        web_pid=int(os.environ["LOADTEST_WEB_PID"]),
        worker_pid=int(os.environ.get("LOADTEST_WORKER_PID") or 0) or None,
        database_url=os.environ["LOADTEST_DATABASE_URL"],
    )
    if os.environ.get("LOADTEST_WEB_PID")
    else None
)
_sampling = None


def _sample_cpu():
    while True:
        _sampler.sample(time.time() - _started)
        gevent.sleep(1)


@events.test_start.add_listener
def _on_start(environment, **kwargs):
    global _started
    _started = time.time()
    LOG.parent.mkdir(parents=True, exist_ok=True)
    LOG.write_text("")
    global _sampling
    if _sampler is not None:
        _sampling = gevent.spawn(_sample_cpu)


@events.request.add_listener
def _on_request(request_type, name, response_time, response_length, exception, **kwargs):
    with _lock:
        _samples.append(steps.Sample(time.time() - _started, name, response_time, exception is None))


@events.test_stop.add_listener
def _on_stop(environment, **kwargs):
    cpu_spent = None
    if _sampling is not None:
        _sampling.kill()
        _sampler.sample(time.time() - _started)
        cpu_spent = lambda start, end: cpu.spent(_sampler.samples, start, end)  # noqa: E731
    results = steps.measure(RAMP, _samples, cpu_spent)
    best = steps.held(results)
    print(
        f"\nLoad test steps (measured after {RAMP.settle_seconds:.0f} s of each step; load average "
        f"{[round(x, 2) for x in os.getloadavg()]} on {os.cpu_count()} CPUs):"
    )
    print(steps.table(results))
    if best:
        print(f"Held: {best.rps:.1f} requests/s at {best.users} users, p95 {best.p95_ms:.1f} ms, 0 errors")
    else:
        print(f"Held: no step kept p95 under {steps.P95_BOUND_MS:.0f} ms with no error")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(
        json.dumps(
            {
                "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "ramp": {
                    "users": RAMP.users,
                    "step_seconds": RAMP.step_seconds,
                    "settle": RAMP.settle_seconds,
                },
                "steps": [steps.as_dict(r) for r in results],
                "held": steps.as_dict(best) if best else None,
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "cpus": os.cpu_count(),
                "requests": len(_samples),
                "errors": sum(1 for s in _samples if not s.ok),
            },
            indent=2,
        )
        + "\n"
    )


def _log_action(**entry) -> None:
    with _lock, LOG.open("a") as log:
        log.write(json.dumps({**entry, "at": round(time.time(), 3)}) + "\n")


class Steps(LoadTestShape):
    def tick(self):
        users = RAMP.users_at(self.get_run_time())
        return None if users is None else (users, max(1, users // 5))


class Staff(HttpUser):
    abstract = True
    wait_time = between(2, 6)  # reading the page, typing, a word with a colleague

    def _csrf(self, html: str) -> str:
        match = CSRF.search(html)
        if not match:
            raise StopUser("no CSRF token on the page")
        return match.group(1)

    def _post(self, url: str, data: dict, *, name: str, expect: int = 302):
        with self.client.post(url, data=data, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != expect:
                r.failure(f"{r.status_code} instead of {expect}")
                return None
            return r

    def sign_in(self, username: str, totp_key: str | None = None) -> None:
        page = self.client.get("/login/", name="/login/")
        r = self._post(
            "/login/",
            {
                "username": username,
                "password": STAFF["password"],
                "csrfmiddlewaretoken": self._csrf(page.text),
            },
            name="/login/ (password)",
        )
        if r is None:
            raise StopUser(f"{username} could not sign in")
        if totp_key is None:
            return
        page = self.client.get("/two-factor/verify/", name="/two-factor/verify/")
        code = self._code(username, totp_key)
        r = self._post(
            "/two-factor/verify/",
            {"code": code, "csrfmiddlewaretoken": self._csrf(page.text)},
            name="/two-factor/verify/ (code)",
        )
        if r is None:
            raise StopUser(f"{username}'s code was refused")

    @staticmethod
    def _code(username: str, key: str) -> str:
        """The authenticator's current code; a code is accepted once, so a second sign-in of the
        same login within one 30-second step waits for the next (as a person would)."""
        while True:
            with _lock:
                now_step = int(time.time()) // 30
                if _last_code_step.get(username, -1) < now_step:
                    _last_code_step[username] = now_step
                    return f"{totp(bytes.fromhex(key), step=30, t0=0, digits=6):06d}"
            time.sleep(1 + 30 - time.time() % 30)


class Coordinator(Staff):
    weight = max(1, round(100 * (1 - MANAGER_SHARE)))

    def on_start(self):
        seat = next(_worker_seats)
        self.username = STAFF["workers"][seat % len(STAFF["workers"])]
        self.slot = (seat // len(STAFF["workers"])) % WORKER_SLOTS
        self.tasks_seen: list[int] = []
        self.patients_seen: list[int] = []
        self.sign_in(self.username)
        self.my_work()

    def _mine(self, ids) -> list[int]:
        return [pk for pk in dict.fromkeys(int(i) for i in ids) if pk % WORKER_SLOTS == self.slot]

    @task(4)
    def my_work(self):
        page = self.client.get("/work/", name="/work/")
        self.tasks_seen = self._mine(TASK_LINK.findall(page.text)) or self.tasks_seen

    @task(8)
    def work_a_task(self):
        if not self.tasks_seen:
            return self.my_work()
        pk = random.choice(self.tasks_seen)  # noqa: S311  # nosec B311  # simulated clicks, not secrets
        url = f"/tasks/{pk}/"
        page = self.client.get(url, name="/tasks/[id]/")
        self.patients_seen = (PATIENT_LINK.findall(page.text)[:1] + self.patients_seen)[:20]
        status = STATUS.search(page.text)
        verb = self._next_verb(status.group(1) if status else "", page.text)
        if verb:
            self._act(pk, verb, page.text)
        if random.random() < 0.3:  # noqa: S311  # nosec B311
            self._note(pk, page.text)

    @staticmethod
    def _next_verb(status: str, html: str) -> str | None:
        can = lambda verb: f'name="{verb}-version"' in html  # noqa: E731
        if status == "new" and can("start"):
            return "start"
        if status == "waiting" and can("resume"):
            return "resume"
        if status == "in_progress":
            completable = can("complete") and "Complete that step first" not in html
            options = [v for v, ok in (("wait", can("wait")), ("complete", completable)) if ok]
            return random.choice(options) if options else None  # noqa: S311  # nosec B311
        return None

    def _act(self, pk: int, verb: str, html: str) -> None:
        version = re.search(rf'name="{verb}-version" value="(\d+)"', html)
        if not version:
            return
        data = {"csrfmiddlewaretoken": self._csrf(html), f"{verb}-version": version.group(1)}
        today = dt.date.today()
        if verb == "wait":
            data |= {"wait-reason": "lab_result", "wait-until": (today + dt.timedelta(days=7)).isoformat()}
            data["wait-note"] = "Waiting for the lab (load test)"
        elif verb == "resume":
            data["resume-note"] = "Lab is back (load test)"
        elif verb == "complete":
            data["complete-outcome"] = "Done (load test)"
        if self._post(f"/tasks/{pk}/{verb}/", data, name=f"/tasks/[id]/{verb}/") is not None:
            _log_action(
                task=pk,
                verb=verb,
                version=int(version.group(1)) + 1,
                status=NEXT_STATUS[verb],
                user=self.username,
            )
            if verb == "complete":
                self.tasks_seen.remove(pk)
            self.client.get(f"/tasks/{pk}/", name="/tasks/[id]/")  # the redirect, followed

    def _note(self, pk: int, html: str) -> None:
        body = f"Called the patient (load test {uuid.uuid4().hex[:12]})"
        data = {"csrfmiddlewaretoken": self._csrf(html), "note-body": body}
        if self._post(f"/tasks/{pk}/note/", data, name="/tasks/[id]/note/") is not None:
            _log_action(task=pk, verb="note", body=body, user=self.username)

    @task(2)
    def patient_page(self):
        if self.patients_seen:
            pk = random.choice(self.patients_seen)  # noqa: S311  # nosec B311
            self.client.get(f"/patients/{pk}/", name="/patients/[id]/")

    @task(2)
    def search(self):
        text = random.choice(STAFF["searches"])  # noqa: S311  # nosec B311
        self.client.get("/patients/search/", params={"q": text}, name="/patients/search/?q=")


class Manager(Staff):
    weight = max(1, round(100 * MANAGER_SHARE))

    def on_start(self):
        manager = STAFF["managers"][next(_manager_seats) % len(STAFF["managers"])]
        self.username = manager["username"]
        self.patients_seen: list[int] = []
        self.sign_in(self.username, manager["totp_key"])
        self.dashboard()

    @task(3)
    def dashboard(self):
        self.client.get("/dashboard/", name="/dashboard/")

    @task(4)
    def team_queue(self):
        variant = random.choice(QUEUE_VARIANTS)  # noqa: S311  # nosec B311
        page = self.client.get(f"/queue/{variant}", name=f"/queue/{variant}")
        self.patients_seen = [int(p) for p in PATIENT_LINK.findall(page.text)[:50]] or self.patients_seen

    @task(1)
    def patient_from_queue(self):
        if self.patients_seen:
            pk = random.choice(self.patients_seen)  # noqa: S311  # nosec B311
            self.client.get(f"/patients/{pk}/", name="/patients/[id]/")
