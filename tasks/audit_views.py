"""The audit page and its CSV export (tasks.audit): read-only, for whoever holds the right to
review the access log; both are written to the access log themselves."""

import csv

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from careplans.access import log_export
from careplans.models import AccessReason
from tasks import audit
from tasks.exports import csv_safe


def _filterset(request):
    changes = request.GET.get("kind") == audit.CHANGES
    return changes, (audit.change_rows if changes else audit.access_rows)(request.user, request.GET)


@never_cache
@require_GET
@permission_required("careplans.review_access_log", raise_exception=True)
def audit_page(request):
    changes, filterset = _filterset(request)
    valid = filterset.is_valid()
    page = (
        audit.page_of(filterset.qs, time=filterset.time, before=request.GET.get("before", ""))
        if valid
        else None
    )
    rows = page.rows if page else []
    # The page names patients: one row for it, with how many and the filter (not one per patient:
    # the audit would fill with its own reading).
    log_export(
        request,
        patient_count=len({row.patient_id for row in rows if row.patient_id}),
        reason=AccessReason.VIEW,
    )
    context = {
        "filter": filterset,
        "changes": changes,
        "page": page,
        "practice": audit.sees_practice(request.user),
        "query": _without(request, "before"),
        "filters_query": _without(request, "before", "kind"),
    }
    return render(request, "tasks/audit.html", context, status=200 if valid else 400)


ACCESS_COLUMNS = [
    ("When", lambda r: timezone.localtime(r.viewed_at).isoformat()),
    ("User", lambda r: r.user.username),
    ("Patient", lambda r: f"{r.patient.last_name}, {r.patient.first_name}" if r.patient else ""),
    ("MRN", lambda r: r.patient.mrn if r.patient else ""),
    ("Reason", lambda r: r.get_reason_display()),
    ("Outcome", lambda r: r.get_outcome_display()),
    ("Patients in export", lambda r: r.patient_count if r.patient_count is not None else ""),
    ("Filter", lambda r: r.filter),
    ("Address", lambda r: r.address or ""),
    ("Page", lambda r: r.path),
]
CHANGE_COLUMNS = [
    ("When", lambda r: timezone.localtime(r.created_at).isoformat()),
    ("User", lambda r: r.actor.username if r.actor else "Followthrough"),
    ("Patient", lambda r: f"{r.patient.last_name}, {r.patient.first_name}"),
    ("MRN", lambda r: r.patient.mrn),
    ("Task", lambda r: r.task.title),
    ("Change", lambda r: r.get_kind_display()),
    ("From", lambda r: r.get_from_status_display() if r.from_status else ""),
    ("To", lambda r: r.get_to_status_display() if r.to_status else ""),
]


class _Echo:
    def write(self, value):
        return value


@require_GET
@permission_required("careplans.review_access_log", raise_exception=True)
def audit_export(request):
    """The filtered audit as CSV, streamed in chunks. The export is itself logged once it ends
    (or the download is cut off), with the number of patients it held."""
    changes, filterset = _filterset(request)
    if not filterset.is_valid():
        return HttpResponseBadRequest("Fix the filters before exporting.")
    columns = CHANGE_COLUMNS if changes else ACCESS_COLUMNS

    def lines():
        writer = csv.writer(_Echo())
        patients = set()
        try:
            yield writer.writerow([name for name, _ in columns])
            for row in filterset.qs.iterator(chunk_size=2000):
                patients.add(row.patient_id)
                yield writer.writerow([csv_safe(get(row)) for _, get in columns])
        finally:
            log_export(request, patient_count=len(patients - {None}))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="followthrough-audit-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _without(request, *names) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()
