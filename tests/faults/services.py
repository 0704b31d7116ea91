"""Real services for the fault tests, each started and stopped by its test on a free port: a
throwaway Redis, a throwaway PostgreSQL cluster, an SMTP server that records what it receives,
and the app's own processes (a Celery worker, gunicorn). The shared Redis (6379) and PostgreSQL
(5432) are never stopped. Missing binaries skip on a developer's machine and fail in CI."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection
from kombu import pools as kombu_pools

from config.celery import app as celery_app
from tests.helpers import unavailable

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, *, timeout: float = 15.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def needs_postgresql():
    """The app's processes share the test database with the test: PostgreSQL (CI), not the
    in-memory SQLite a developer's run uses."""
    if connection.vendor != "postgresql":
        unavailable(
            f"needs PostgreSQL (DATABASE_URL) to share with the app's processes; it is {connection.vendor}"
        )


def database_url() -> str:
    """The test database, for the app's own processes."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def app_env(**extra: str) -> dict[str, str]:
    """The production settings (config.settings) with the test's secret key, as a deployment
    runs them; no broker or Redis unless `extra` names one."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DJANGO_DEBUG="0",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


# No snapshot, no append-only file, in the foreground: a Redis that forgets all when stopped.
REDIS_EPHEMERAL = ("--save", "", "--appendonly", "no", "--daemonize", "no")


class RedisServer:
    def __init__(self):
        self.binary = shutil.which("redis-server") or unavailable("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def ping(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [self.binary, *("--port", str(self.port), "--bind", "127.0.0.1"), *REDIS_EPHEMERAL],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.ping, what="Redis to answer")
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class PostgresCluster:
    """initdb into a temporary directory, then pg_ctl start/stop. As root (CI), as the postgres
    user, which initdb requires."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
        if not bins:
            unavailable("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
        self.bin = Path(bins[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="ft-pg-"))
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self._run(
            "initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"
        )

    def _run(self, tool: str, *args: str):
        subprocess.run([*self.as_user, str(self.bin / tool), *args], check=True, capture_output=True)

    def _here(self) -> list[str]:
        return ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.dir / "data"), "-o", options, "-l", str(self.dir / "log"), "-w", "start"
        )

    def stop(self):
        """Fast shutdown: open connections are cut, as in a database restart under traffic."""
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def copy_of_test_database(self, name: str):
        """A database `name` holding the test database's schema and rows (committed ones)."""
        s = connection.settings_dict
        env = {**os.environ, "PGPASSWORD": s["PASSWORD"] or ""}
        source = ["-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432), "-U", s["USER"], s["NAME"]]
        subprocess.run([str(self.bin / "createdb"), *self._here(), name], check=True)
        dump = subprocess.run(
            [str(self.bin / "pg_dump"), "--no-owner", "--no-privileges", *source],
            check=True,
            capture_output=True,
            env=env,
        )
        subprocess.run(
            [str(self.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", *self._here(), name],
            input=dump.stdout,
            check=True,
            capture_output=True,
        )

    def remove(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class SmtpSink:
    """An SMTP server that keeps each message it receives. While `holding`, it takes a message
    whole and then never answers it: the sender has sent the email and waits for the reply, the
    moment a worker can be killed 'mid-send'."""

    def __init__(self):
        self.messages: list[str] = []
        self.holding = False
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket):
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 sink ESMTP\r\n")
            for raw in lines:
                command = raw.decode("utf-8", "replace").strip().upper()
                if command.startswith(("EHLO", "HELO")):
                    conn.sendall(b"250 sink\r\n")
                elif command == "DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    body = []
                    for data in lines:
                        if data in (b".\r\n", b".\n"):
                            break
                        body.append(data.decode("utf-8", "replace"))
                    with self._lock:
                        self.messages.append("".join(body))
                    if self.holding:
                        conn.recv(1)  # until the sender goes away
                        return
                    conn.sendall(b"250 queued\r\n")
                elif command == "QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")

    def received(self, marker: str) -> int:
        with self._lock:
            return sum(marker in message for message in self.messages)

    def close(self):
        self._server.close()


# One process, as deployed but for the pool; no gossip, mingle or heartbeat: a quick start.
WORKER_OPTIONS = ("--pool", "solo", "--loglevel", "INFO", "--without-gossip", "--without-mingle")
WORKER_OPTIONS += ("--without-heartbeat", "-n")


class Worker:
    """`celery -A config worker`, one process (solo pool), as deployed but for the pool size."""

    def __init__(self, env: dict[str, str], log: Path):
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                *WORKER_OPTIONS,
                f"faults-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
        )
        wait_until(lambda: "ready." in log.read_text(), timeout=30, what="the worker to be ready")

    def kill(self):
        """SIGKILL: no warm shutdown, nothing acknowledged or cleaned up."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def _drop_broker_connections():
    """Forget the pooled broker connections (the app's and its producers'), so the next publish
    connects to the broker the configuration names now."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    if (amqp := celery_app.__dict__.get("amqp")) is not None:
        amqp._producer_pool = None
    # kombu's own registry of producer pools keeps the closed connection pool too: a later test
    # in this process publishing through it met "Acquire on closed pool".
    kombu_pools.reset()


@contextlib.contextmanager
def celery_publishing_to(url: str):
    """This process's Celery app (what web requests publish with) on the broker at `url`."""
    conf = celery_app.conf
    previous = conf.broker_url, conf.broker_transport_options, conf.task_always_eager
    conf.broker_url, conf.broker_transport_options = url, {"visibility_timeout": 3600}
    conf.task_always_eager = False
    _drop_broker_connections()
    try:
        yield
    finally:
        conf.broker_url, conf.broker_transport_options, conf.task_always_eager = previous
        _drop_broker_connections()
