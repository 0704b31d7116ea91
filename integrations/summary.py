"""A run's summary in words, the same on the page and from the command line."""

from integrations.models import ImportRun


def summary_lines(run: ImportRun, *, titled: bool = True) -> list[str]:
    """`titled=False` for the run's page, whose heading names the run already."""
    what = f"{run.get_kind_display().lower()} from {run.file_name}"
    head = f"{run.label}: {what}" if titled else what[:1].upper() + what[1:]
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
