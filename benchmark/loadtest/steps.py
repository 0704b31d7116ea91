"""The load test's ramp and what each step held: the users run at a number for a step's length,
then more; each step is measured after it settles (the new users signed in and started their day),
and the throughput held is the highest step's requests per second with p95 under the bound and no
error. Plain Python: the locustfile and the tests use it without Django."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

P95_BOUND_MS = 500.0


@dataclass(frozen=True)
class Ramp:
    users: tuple[int, ...]
    step_seconds: float
    settle_seconds: float

    @classmethod
    def parse(cls, users: str, step_seconds: str, settle_seconds: str) -> Ramp:
        steps = tuple(int(u) for u in users.split(",") if u.strip())
        if not steps or any(u < 1 for u in steps) or list(steps) != sorted(steps):
            raise ValueError(f"steps must be rising user counts, e.g. 10,20,40 (got {users!r})")
        ramp = cls(steps, float(step_seconds), float(settle_seconds))
        if not 0 <= ramp.settle_seconds < ramp.step_seconds:
            raise ValueError("a step must last longer than it takes to settle")
        return ramp

    def users_at(self, elapsed: float) -> int | None:
        """The users wanted `elapsed` seconds into the run; None once the last step is over."""
        step = int(elapsed // self.step_seconds)
        return self.users[step] if step < len(self.users) else None

    def window(self, step: int) -> tuple[float, float]:
        """Seconds into the run over which `step` is measured."""
        start = step * self.step_seconds
        return start + self.settle_seconds, start + self.step_seconds


@dataclass(frozen=True)
class Sample:
    at: float  # seconds into the run when the request ended
    name: str
    ms: float
    ok: bool


@dataclass(frozen=True)
class StepResult:
    users: int
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    errors: int
    # CPU milliseconds a request, by tier (web, database, worker), when the servers were sampled.
    cpu_ms: dict[str, float] = field(default_factory=dict)

    @property
    def held(self) -> bool:
        return self.requests > 0 and self.errors == 0 and self.p95_ms < P95_BOUND_MS


def percentile(values: list[float], pct: float) -> float:
    """Nearest rank, as the bench's runner: a value that was measured."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def measure(
    ramp: Ramp, samples: list[Sample], cpu_spent: Callable[[float, float], dict[str, float]] | None = None
) -> list[StepResult]:
    """Each step's figures; `cpu_spent(start, end)`: CPU seconds by tier over a window."""
    results = []
    for step, users in enumerate(ramp.users):
        start, end = ramp.window(step)
        inside = [s for s in samples if start <= s.at < end]
        times = [s.ms for s in inside]
        seconds = end - start
        cpu = cpu_spent(start, end) if cpu_spent and inside else {}
        results.append(
            StepResult(
                users=users,
                seconds=seconds,
                requests=len(inside),
                rps=round(len(inside) / seconds, 1),
                p50_ms=round(percentile(times, 50), 1) if times else 0.0,
                p95_ms=round(percentile(times, 95), 1) if times else 0.0,
                max_ms=round(max(times), 1) if times else 0.0,
                errors=sum(1 for s in inside if not s.ok),
                cpu_ms={tier: round(1000 * spent / len(inside), 1) for tier, spent in cpu.items()},
            )
        )
    return results


def held(results: list[StepResult]) -> StepResult | None:
    """The step with the highest throughput among those held (p95 under bound, no error)."""
    return max((r for r in results if r.held), key=lambda r: r.rps, default=None)


def table(results: list[StepResult]) -> str:
    tiers = sorted({tier for r in results for tier in r.cpu_ms})
    header = (
        "users",
        "seconds",
        "requests",
        "req/s",
        "p50 ms",
        "p95 ms",
        "max ms",
        "errors",
        "held",
        *(f"{tier} CPU ms/req" for tier in tiers),
    )
    rows = [header] + [
        (
            str(r.users),
            f"{r.seconds:.0f}",
            str(r.requests),
            f"{r.rps:.1f}",
            f"{r.p50_ms:.1f}",
            f"{r.p95_ms:.1f}",
            f"{r.max_ms:.1f}",
            str(r.errors),
            "yes" if r.held else "no",
            *(f"{r.cpu_ms[tier]:.1f}" if tier in r.cpu_ms else "-" for tier in tiers),
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def as_dict(result: StepResult) -> dict:
    return {**asdict(result), "held": result.held}
