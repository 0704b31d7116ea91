"""The FHIR R4 read endpoints, for a signed-in user (the session that signs in to the pages):
Patient/<id>/$everything, Task?patient=<id> and CarePlan?patient=<id>. Scope is the pages': a
patient outside it is 404, a right missing 403 (OperationOutcome bodies); every answer is written
to the access log and never cached."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from careplans.access import get_patient_for_user, log_refused, log_shown
from careplans.models import Patient
from integrations.fhir import resources as res
from integrations.fhir import selectors
from tasks.access_log import MAX_ID

FHIR_JSON = "application/fhir+json"


def fhir_response(data: dict, *, status: int = 200) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, separators=(",", ":")), content_type=f"{FHIR_JSON}; charset=utf-8", status=status
    )
    add_never_cache_headers(response)
    return response


def outcome(status: int, code: str, text: str) -> HttpResponse:
    """An OperationOutcome: what a FHIR client reads where a page would show an error."""
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}],
    }
    return fhir_response(body, status=status)


def _base(request) -> str:
    """The server's FHIR base URL (".../fhir/R4/"), for the entries' full URLs."""
    return request.build_absolute_uri(reverse("fhir_task_search")).removesuffix("Task")


def _refusals(view):
    """404 and 403 as OperationOutcome, not the HTML error pages."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return outcome(404, "not-found", "No such patient.")
        except PermissionDenied:
            return outcome(403, "forbidden", "Your role cannot read this.")

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_GET
@_refusals
def everything(request, pk: int):
    patient = get_patient_for_user(request.user, pk)
    log_shown(request, [patient])
    return fhir_response(res.bundle(selectors.everything(request.user, patient), base=_base(request)))


def _searched_patient(request, perm: str) -> Patient:
    """The patient a search names (?patient=123 or ?patient=Patient/123), through the same access
    helper as the pages; a refusal is logged here (the URL names no patient for the middleware)."""
    raw = request.GET.get("patient", "").strip().removeprefix("Patient/")
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise _BadSearch("Search by patient: ?patient=<id>.")
    try:
        return get_patient_for_user(request.user, int(raw), perm)
    except (Http404, PermissionDenied):
        found = Patient.objects.filter(pk=int(raw)).values_list("pk", "care_team_id").first()
        log_refused(request, *(found or (None, None)))
        raise


class _BadSearch(Exception):
    pass


def _search(request, perm: str, build) -> HttpResponse:
    try:
        patient = _searched_patient(request, perm)
    except _BadSearch as bad:
        return outcome(400, "required", str(bad))
    log_shown(request, [patient])
    return fhir_response(res.bundle(build(patient), base=_base(request)))


@require_GET
@_refusals
def task_search(request):
    def build(patient):
        return selectors.task_resources(request.user, patient, res.Practitioners())

    return _search(request, "tasks.view_task", build)


@require_GET
@_refusals
def care_plan_search(request):
    def build(patient):
        return selectors.care_plan_resources(request.user, patient, res.Practitioners(), with_goals=False)

    return _search(request, "careplans.view_careplan", build)
