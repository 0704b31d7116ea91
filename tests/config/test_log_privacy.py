"""Request logs carry paths, never query strings: the queue's search puts a patient's name or
MRN there (?q=...). Checked on a real gunicorn with the project's config, and on the development
server's request lines."""

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings

MARKER = "Zqxmarker"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_access_log_leaves_out_query_string_and_referer():
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "config/gunicorn.py",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/healthz?q={MARKER}"
        request = urllib.request.Request(url, headers={"Referer": f"http://127.0.0.1/queue/?q={MARKER}"})
        for _ in range(100):
            try:
                assert urllib.request.urlopen(request, timeout=5).status == 200
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("gunicorn did not answer")
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    access = [line for line in output.splitlines() if "/healthz" in line]
    assert access, output
    assert MARKER not in output
    assert '"GET /healthz HTTP/1.1" 200' in access[0]


def test_development_server_request_lines_keep_their_path_only(caplog):
    caplog.set_level(logging.INFO, logger="django.server")

    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET /queue/?q={MARKER}&due=overdue HTTP/1.1", 200, 512
    )

    (record,) = [r for r in caplog.records if r.name == "django.server"]
    assert record.getMessage() == '"GET /queue/ HTTP/1.1" 200 512'
