"""The import pages: upload → mapping → preview → run (progress, summary, error report).

Each run is its importer's own (anyone else: 404), and each page needs the right to import the
run's kind (403). Only the preview shows patients (it is logged); the other pages show counts,
column names and reasons, and of a refused row only its key as the file gives it (its MRN; an
appointment's id), which is what staff search by: never a name or another cell of the file."""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from careplans.access import log_shown
from integrations.import_forms import MappingForm, UploadForm
from integrations.imports import files, service
from integrations.imports.reading import UnreadableFile, open_sheet
from integrations.imports.runner import HANDLERS, PREVIEW_ROWS, file_problems, guess_mapping, preview
from integrations.models import ImportMapping, ImportRun, RunStatus
from integrations.summary import summary_lines
from tasks.exports import csv_safe

SHOWN_ERRORS = 100


def get_run_for_user(user, pk: int) -> ImportRun:
    """The only way a view gets a run: the user's own (else 404), of a kind they may import
    (else 403)."""
    run = get_object_or_404(ImportRun.objects.select_related("team", "created_by"), pk=pk, created_by=user)
    if not service.may_import(user, run.kind):
        raise PermissionDenied
    return run


def _headers(run: ImportRun) -> list[str]:
    if not run.stored_path or not Path(run.stored_path).exists():
        raise Http404("This run's file is gone: upload it again.")
    sheet = open_sheet(Path(run.stored_path))
    sheet.close()
    return sheet.headers


@require_http_methods(["GET", "POST"])
def import_list(request):
    kinds = service.importable_kinds(request.user)
    if not kinds:
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        path = files.store(data["file"])
        try:
            sheet = open_sheet(Path(path))
            sheet.close()
        except UnreadableFile as problem:
            files.remove(path)
            form.add_error("file", str(problem))
        else:
            saved = ImportMapping.objects.filter(name=data["source"], kind=data["kind"]).first()
            if saved:
                mapping = {h: f for h, f in saved.columns.items() if h in sheet.headers}
            else:
                mapping = guess_mapping(data["kind"], sheet.headers)
            run = ImportRun.objects.create(
                kind=data["kind"],
                source=data["source"],
                file_name=Path(data["file"].name).name[:200],
                stored_path=path,
                mapping=mapping,
                team=data.get("team"),
                created_by=request.user,
            )
            return redirect("import_mapping", run.pk)
    runs = ImportRun.objects.filter(created_by=request.user).for_list()[:50]
    status = 400 if request.method == "POST" else 200
    return render(request, "integrations/imports.html", {"form": form, "runs": runs}, status=status)


@require_http_methods(["GET", "POST"])
def import_mapping(request, pk: int):
    run = get_run_for_user(request.user, pk)
    if run.status != RunStatus.UPLOADED:
        return redirect("import_run", run.pk)
    headers = _headers(run)
    form = MappingForm(
        request.POST or None,
        kind=run.kind,
        headers=headers,
        mapping=run.mapping,
        user=request.user,
        initial={"save_as": run.source, "team": run.team},
    )
    if request.method == "POST" and form.is_valid():
        run.mapping = form.cleaned_data["mapping"]
        run.team = form.cleaned_data.get("team", run.team)
        name = form.cleaned_data["save_as"].strip()
        if name:
            ImportMapping.objects.update_or_create(
                name=name,
                kind=run.kind,
                defaults={"columns": run.mapping, "updated_by": request.user, "updated_at": timezone.now()},
            )
            run.source = name
        run.save(update_fields=["mapping", "source", "team"])
        return redirect("import_preview", run.pk)
    status = 400 if request.method == "POST" else 200
    # Before any choice, what the file lacks as guessed (a needed column, a team), said once.
    problems = file_problems(run, by=request.user) if request.method == "GET" else []
    team = form["team"] if "team" in form.fields else None
    context = {"run": run, "form": form, "problems": problems, "team": team}
    return render(request, "integrations/import_mapping.html", context, status=status)


@require_GET
def import_preview(request, pk: int):
    run = get_run_for_user(request.user, pk)
    if run.status != RunStatus.UPLOADED:
        return redirect("import_run", run.pk)
    _headers(run)
    if file_problems(run, by=request.user):
        return redirect("import_mapping", run.pk)  # said there, once, for the file
    counts = preview(run, Path(run.stored_path), by=request.user)
    log_shown(request, [row.patient for row in counts.preview if row.patient is not None and row.patient.pk])
    columns = []
    for row in counts.preview:
        columns += [name for name in row.shown if name not in columns]
    context = {
        "run": run,
        "rows": counts.preview,
        "columns": columns,
        "counts": counts,
        # Rows past the preview are unread here: they may be refused too.
        "more": len(counts.preview) >= PREVIEW_ROWS,
        "rules": HANDLERS[run.kind].rules,
        "labels": {f.name: f.label for f in HANDLERS[run.kind].fields},
    }
    return render(request, "integrations/import_preview.html", context)


@require_POST
def import_start(request, pk: int):
    run = get_run_for_user(request.user, pk)
    if run.status == RunStatus.DONE and run.dry_run and not run.refused and run.stored_path:
        run = service.again(run)  # a checked file, imported for real
        run.status = RunStatus.UPLOADED
    if run.status == RunStatus.UPLOADED:
        service.start(run, dry_run=request.POST.get("dry_run") == "1")
    return redirect("import_run", run.pk)


def _key_label(run: ImportRun) -> str:
    """What the run page and the error report call a refused row's key ("Appointment id · MRN")."""
    return " · ".join(HANDLERS[run.kind].key_labels)


@require_GET
def import_run(request, pk: int):
    run = get_run_for_user(request.user, pk)
    if run.status == RunStatus.UPLOADED:
        return redirect("import_preview", run.pk)  # not started (or the queue was unreachable)
    context = {
        "run": run,
        "summary": summary_lines(run, titled=False),
        "key_label": _key_label(run),
        "errors": run.row_errors.all()[:SHOWN_ERRORS],
        "can_import": run.status == RunStatus.DONE
        and run.dry_run
        and not run.refused
        and bool(run.stored_path),
    }
    return render(request, "integrations/import_run.html", context)


@require_GET
def import_progress(request, pk: int):
    """The progress bar alone, polled by htmx while the run is queued or running; once it ends,
    the page reloads to show the summary (and the refusals) in its place."""
    run = get_run_for_user(request.user, pk)
    response = render(request, "integrations/_import_progress.html", {"run": run})
    if run.is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


class _Echo:
    def write(self, value):
        return value


@require_GET
def import_errors(request, pk: int):
    """The error report: row, the row's key (its MRN...: which patient is meant, in the terms
    staff search by), column, reason; no other cell's value."""
    run = get_run_for_user(request.user, pk)
    writer = csv.writer(_Echo())
    key_label = _key_label(run).lower()

    def lines():
        yield writer.writerow(["row", key_label, "column", "reason"])
        for error in run.row_errors.order_by("row", "pk").iterator(chunk_size=2000):
            yield writer.writerow(
                [error.row, csv_safe(error.key), csv_safe(error.column), csv_safe(error.message)]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-run-{run.pk}-errors.csv"'
    return response
