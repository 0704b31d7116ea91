"""What an import says back: counts by resource type, and the problems by bundle reference (never a
patient's name), for the command's output and the upload page alike."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Issue:
    where: str  # "Task/example1", "entry 3"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class ImportReport:
    dry_run: bool
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    notes: list[Issue] = field(default_factory=list)  # taken, with something to know
    skipped: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def committed(self) -> bool:
        return self.ok and not self.dry_run

    def summary_lines(self) -> list[str]:
        def counts(counter: Counter) -> str:
            return ", ".join(f"{n} {kind}" for kind, n in sorted(counter.items())) or "none"

        verdict = (
            "dry run, nothing saved" if self.dry_run else ("saved" if self.ok else "refused, nothing saved")
        )
        lines = [
            f"FHIR import: {verdict}.",
            f"created: {counts(self.created)}",
            f"updated: {counts(self.updated)}",
            f"unchanged: {counts(self.unchanged)}",
        ]
        lines += [f"note: {issue}" for issue in self.notes]
        lines += [f"skipped: {issue}" for issue in self.skipped]
        lines += [f"error: {issue}" for issue in self.errors]
        return lines
