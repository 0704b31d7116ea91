"""A run's summary in words, the same on the page and from the command line."""

from integrations.models import ImportRun


def summary_lines(run: ImportRun) -> list[str]:
    head = f"{run.label}: {run.get_kind_display().lower()} from {run.file_name}"
    if run.source:
        head += f" ({run.source})"
    if run.dry_run:
        head += ", dry run"
    lines = [
        head + f" — {run.get_status_display()}",
        f"created {run.created}, updated {run.updated}, unchanged {run.unchanged}, refused {run.refused}",
    ]
    if run.message:
        lines.append(run.message)
    return lines
