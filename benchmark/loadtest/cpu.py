"""CPU seconds the load test cost, by tier, from /proc (Linux): gunicorn's processes, the
PostgreSQL backends connected to the load test's database (gunicorn keeps its connections, so
they serve the whole run) and the Celery worker's. A snapshot before locust starts, the time spent
since when it ends; divided by the requests locust made, it gives the per-request costs README
"Scaling" sizes a network from. Other processes on the machine (anyone else's load) do not count."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system time of one process (after its command, which may hold spaces)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def tree(pid: int) -> list[int]:
    pids = [pid]
    for child in children(pid):
        pids += tree(child)
    return pids


def database_backends(url: str) -> list[int]:
    dbname = conninfo_to_dict(url)["dbname"]
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [dbname]
        ).fetchall()
    return [pid for (pid,) in rows]


def _times(pids: list[int]) -> dict[str, float]:
    times = {}
    for pid in pids:
        try:
            times[str(pid)] = cpu_seconds(pid)
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended meanwhile
    return times


def snapshot(gunicorn: int, celery: int, url: str) -> dict[str, dict[str, float]]:
    """CPU seconds so far of every process of each tier, by pid."""
    return {
        "web": _times(tree(gunicorn)),
        "database": _times(database_backends(url)),
        "worker": _times(tree(celery)),
    }


def spent(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds each tier spent between two snapshots (a process born since counts whole)."""
    return {
        f"{tier}_cpu_s": round(
            sum(t - before.get(tier, {}).get(pid, 0.0) for pid, t in after[tier].items()), 2
        )
        for tier in after
    }


if __name__ == "__main__":
    # snapshot GUNICORN_PID CELERY_PID DATABASE_URL            -> the snapshot, as JSON
    # spent BEFORE.json GUNICORN_PID CELERY_PID DATABASE_URL   -> CPU seconds by tier since it
    command, *args = sys.argv[1:]
    if command == "snapshot":
        print(json.dumps(snapshot(int(args[0]), int(args[1]), args[2])))
    elif command == "spent":
        before = json.loads(Path(args[0]).read_text())
        print(json.dumps(spent(before, snapshot(int(args[1]), int(args[2]), args[3]))))
    elif command == "summary":  # REPORT.json CPU.json: per request
        report, cpu = (json.loads(Path(path).read_text()) for path in args)
        n = max(report["requests"], 1)
        costs = ", ".join(
            f"{tier.removesuffix('_cpu_s')} {seconds:.1f} s ({1000 * seconds / n:.1f} ms a request)"
            for tier, seconds in cpu.items()
        )
        print(f"CPU over the run's {report['requests']} requests: {costs}")
    else:
        sys.exit("usage: python -m benchmark.loadtest.cpu snapshot|spent|summary ...")
