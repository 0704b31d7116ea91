"""The import as a Celery job, for files too long to import while the page waits. Takes the run's
id; the run holds everything else (file, mapping, who asked)."""

from celery import shared_task

from integrations.imports.service import run_now


@shared_task(ignore_result=True)
def run_import(run_id: int) -> None:
    run_now(run_id)
