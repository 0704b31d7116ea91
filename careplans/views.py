from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from careplans.access import log_shown
from careplans.models import Patient
from careplans.search import search_patients

# The header's dropdown lists this many matches, then links to the list for the rest.
HEADER_MATCHES = 25
# Shorter than this, the dropdown waits for more: one letter matches a good part of the practice.
HEADER_MIN_LENGTH = 2


@never_cache
@require_GET
@permission_required("careplans.view_patient", raise_exception=True)
def patient_list(request):
    query = request.GET.get("q", "").strip()
    patients = search_patients(Patient.objects.visible_to(request.user), query).for_list()
    mine = request.GET.get("mine") == "1"
    if mine:
        patients = patients.filter(primary_provider=request.user)
    page = Paginator(patients, 50).get_page(request.GET.get("page"))
    log_shown(request, page)
    return render(request, "careplans/patient_list.html", {"page": page, "query": query, "mine": mine})


@never_cache
@require_GET
@permission_required("careplans.view_patient", raise_exception=True)
def patient_search(request):
    """The header search box's dropdown (htmx): the first matches, each a link to the patient's
    page. The box itself submits to the patients list, which pages through every match."""
    query = request.GET.get("q", "").strip()
    patients = []
    if len(query) >= HEADER_MIN_LENGTH:
        found = search_patients(Patient.objects.visible_to(request.user), query).for_search_dropdown()
        patients = list(found[: HEADER_MATCHES + 1])
    shown = patients[:HEADER_MATCHES]
    log_shown(request, shown)
    context = {
        "patients": shown,
        "more": len(patients) > HEADER_MATCHES,
        "query": query,
        "too_short": len(query) < HEADER_MIN_LENGTH,
    }
    return render(request, "careplans/_search_results.html", context)
