"""Starting a run: inline for a short file, as a Celery job for a long one; and the rights."""

from __future__ import annotations

import logging
from pathlib import Path

from django.db import transaction

from integrations.imports import files
from integrations.imports.runner import execute
from integrations.models import ImportKind, ImportRun, RunStatus

log = logging.getLogger(__name__)

# A file of at most this many rows is imported while the page waits; a longer one by the worker,
# with a progress bar.
INLINE_ROWS = 500


def importable_kinds(user) -> list[str]:
    """What `user` may import: every kind with the import right, appointments with the front
    desk's narrower one."""
    if user.has_perm("integrations.import_rows"):
        return list(ImportKind.values)
    if user.has_perm("integrations.import_appointments"):
        return [ImportKind.APPOINTMENTS]
    return []


def may_import(user, kind: str) -> bool:
    return kind in importable_kinds(user)


def start(run: ImportRun, *, dry_run: bool) -> ImportRun:
    """Queue `run` (or run it now, if short). A run starts once: a second click finds it started."""
    from integrations.imports.jobs import run_import
    from integrations.imports.reading import count_rows

    claimed = ImportRun.objects.filter(pk=run.pk, status=RunStatus.UPLOADED).update(
        status=RunStatus.QUEUED, dry_run=dry_run
    )
    run.refresh_from_db()
    if not claimed:
        return run
    if count_rows(Path(run.stored_path)) <= INLINE_ROWS:
        return run_now(run.pk)
    transaction.on_commit(lambda: _queue(run, run_import))
    return run


def _queue(run: ImportRun, job) -> None:
    """Hand the run to the worker; with the queue unreachable (Redis down) the run goes back to
    uploaded, saying so, for the importer to start again: nothing was read or saved."""
    try:
        job.delay(run.pk)
    except Exception as failure:  # kombu's errors vary by transport
        log.warning("import run %s could not be queued: %s", run.pk, type(failure).__name__)
        message = "The job queue could not be reached: nothing was imported. Start the import again."
        ImportRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
            status=RunStatus.UPLOADED, message=message
        )


def run_now(run_id: int) -> ImportRun:
    run = ImportRun.objects.select_related("created_by", "team").get(pk=run_id)
    if run.status not in (RunStatus.QUEUED, RunStatus.UPLOADED):
        return run  # a retry of a job that ran: nothing twice
    execute(run, Path(run.stored_path), by=run.created_by)
    if not run.dry_run or run.status != RunStatus.DONE:  # kept only for a clean check's import
        files.remove(run.stored_path)
        ImportRun.objects.filter(pk=run.pk).update(stored_path="")
        run.stored_path = ""
    return run


def again(run: ImportRun) -> ImportRun:
    """A new run of a checked file (a dry run that refused nothing), to import it for real."""
    return ImportRun.objects.create(
        kind=run.kind,
        source=run.source,
        file_name=run.file_name,
        stored_path=run.stored_path,
        mapping=run.mapping,
        team=run.team,
        created_by=run.created_by,
    )
