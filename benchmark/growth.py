"""Growth x10 (`manage.py bench_growth`, the end of `make bench`): each case's p95 on the full
practice over its p95 on a practice ten times smaller, from the two runs' JSON reports.

A page whose cost does not depend on the practice's size reads about 1.0; a page that scans the
practice reads about 10. Cases are matched by name and user; a case missing from one run or
failed in either is listed with the reason instead of a ratio."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from benchmark.runner import aligned


@dataclass(frozen=True)
class Growth:
    name: str
    user: str | None
    p95_large_ms: float | None
    p95_small_ms: float | None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.note or not self.p95_small_ms or self.p95_large_ms is None:
            return None
        return self.p95_large_ms / self.p95_small_ms


def load(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no bench report there (run make bench)") from None


def _key(case: dict) -> tuple[str, str | None]:
    return case["name"], case.get("user")


def compare(large: dict, small: dict) -> list[Growth]:
    """One row per case of the large run, in its order, then the small run's extra cases."""
    small_cases = {_key(c): c for c in small.get("cases", [])}
    rows = []
    for case in large.get("cases", []):
        other = small_cases.pop(_key(case), None)
        if other is None:
            rows.append(
                Growth(case["name"], case.get("user"), case["p95_ms"], None, "not run on the small practice")
            )
        elif case.get("error") or other.get("error"):
            which = "large" if case.get("error") else "small"
            error = case.get("error") or other.get("error")
            rows.append(
                Growth(case["name"], case.get("user"), None, None, f"failed on the {which} practice: {error}")
            )
        else:
            rows.append(Growth(case["name"], case.get("user"), case["p95_ms"], other["p95_ms"]))
    rows += [
        Growth(c["name"], c.get("user"), None, c["p95_ms"], "not run on the large practice")
        for c in small_cases.values()
    ]
    return rows


def _size(report: dict) -> str:
    return f"{report.get('tasks', 0):,} tasks"


def table(rows: list[Growth], *, large: dict, small: dict) -> str:
    header = ("case", "user", f"p95 ms at {_size(large)}", f"p95 ms at {_size(small)}", "growth x10")
    lines = [header]
    for row in rows:
        ratio = row.ratio
        lines.append(
            (
                row.name,
                row.user or "anonymous",
                "-" if row.p95_large_ms is None else f"{row.p95_large_ms:.1f}",
                "-" if row.p95_small_ms is None else f"{row.p95_small_ms:.1f}",
                row.note if ratio is None else f"{ratio:.2f}",
            )
        )
    # The ratio column is right-aligned where it holds a ratio, not a note ("only at 1M").
    return aligned(lines, lambda n, line: {2, 3} | ({4} if n and line[4][:1].isdigit() else set()))


def write_json(rows: list[Growth], path: Path, *, large: dict, small: dict) -> None:
    payload = {
        "large": {k: large.get(k) for k in ("measured_at", "database", "patients", "tasks")},
        "small": {k: small.get(k) for k in ("measured_at", "database", "patients", "tasks")},
        "cases": [
            {
                "name": r.name,
                "user": r.user,
                "p95_large_ms": r.p95_large_ms,
                "p95_small_ms": r.p95_small_ms,
                "growth_x10": None if r.ratio is None else round(r.ratio, 2),
                "note": r.note,
            }
            for r in rows
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n")
