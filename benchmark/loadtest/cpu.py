"""CPU seconds the servers spend, by tier, read from /proc (Linux) while the load test runs: the
gunicorn processes, the PostgreSQL backends connected to the load test's database and the Celery
worker. The locustfile samples them every second; a step's cost is what each process spent
between the samples bounding the step's measured window (a process born in it counts from zero,
one that ended counts up to its last sample: gunicorn's connections are renewed every
DATABASE_CONN_MAX_AGE seconds). Divided by the step's requests, it gives the per-request costs
README "Scaling" sizes a network from. Nobody else's processes count, whatever the machine's load."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
TIERS = ("web", "database", "worker")


def cpu_seconds(pid: int) -> float:
    """User + system time of one process (the fields after its command, which may hold spaces)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            pids += tree(int(child))
    return pids


def times(pids: list[int]) -> dict[int, float]:
    found = {}
    for pid in pids:
        try:
            found[pid] = cpu_seconds(pid)
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended meanwhile
    return found


@dataclass(frozen=True)
class Sample:
    at: float  # seconds into the run
    tiers: dict[str, dict[int, float]]  # tier -> pid -> CPU seconds so far


def spent(samples: list[Sample], start: float, end: float) -> dict[str, float]:
    """CPU seconds each tier spent between `start` and `end` (seconds into the run)."""
    before = [s for s in samples if s.at <= start]
    within = [s for s in samples if start < s.at <= end]
    first = before[-1].tiers if before else {}
    result = {}
    for tier in TIERS:
        last_seen: dict[int, float] = dict(first.get(tier, {}))
        for sample in within:
            last_seen.update(sample.tiers.get(tier, {}))
        base = first.get(tier, {})
        result[tier] = round(sum(t - base.get(pid, 0.0) for pid, t in last_seen.items()), 3)
    return result


class Sampler:
    """Every process of each tier, sampled on demand (the locustfile calls `sample` each second)."""

    def __init__(self, *, web_pid: int, worker_pid: int | None, database_url: str):
        self.web_pid, self.worker_pid, self.database_url = web_pid, worker_pid, database_url
        self.samples: list[Sample] = []

    def _backends(self) -> list[int]:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        dbname = conninfo_to_dict(self.database_url)["dbname"]
        with psycopg.connect(self.database_url, connect_timeout=5) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [dbname]
            ).fetchall()
        return [pid for (pid,) in rows]

    def sample(self, at: float) -> None:
        self.samples.append(
            Sample(
                at,
                {
                    "web": times(tree(self.web_pid)),
                    "database": times(self._backends()),
                    "worker": times(tree(self.worker_pid)) if self.worker_pid else {},
                },
            )
        )
