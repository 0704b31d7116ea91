import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.errors import RuleViolation
from careplans import emergency
from careplans.access import log_shown
from careplans.forms import EmergencyAccessForm
from careplans.models import EmergencyAccess, Patient
from careplans.paging import bounded_page
from careplans.search import search_patients

log = logging.getLogger(__name__)

# The header's dropdown lists this many matches, then links to the list for the rest.
HEADER_MATCHES = 25
PATIENT_PAGE_SIZE = 50
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
    page = bounded_page(patients, request.GET.get("page"), PATIENT_PAGE_SIZE)
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


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(emergency.RIGHT, raise_exception=True)
def emergency_access(request):
    """Break the glass (careplans.emergency): the patient found by MRN and date of birth, the
    access granted with the reason, and the patient's page opened. A patient the user already
    sees just opens."""
    form = EmergencyAccessForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        patient = emergency.find_patient(data["mrn"], data["birth_date"])
        if patient is None:
            # A pattern of misses is someone guessing: logged with the user's id, never the MRN.
            log.warning("emergency access: no patient matched, user %s", request.user.pk)
            form.add_error(None, "No patient has this MRN and date of birth. Check both against the record.")
        elif Patient.objects.visible_to(request.user).filter(pk=patient.pk).exists():
            messages.info(request, "You already see this patient: no emergency access was needed.")
            return redirect(patient)
        else:
            try:
                access = emergency.break_glass(request.user, patient, data["reason"])
            except RuleViolation as refused:
                form.add_error("reason", refused.message)
            else:
                messages.info(request, "Compliance has been told of this emergency access.")
                return redirect(access.patient)
    current = list(
        EmergencyAccess.objects.filter(user=request.user, expires_at__gt=timezone.now()).select_related(
            "patient"
        )
    )
    log_shown(request, [access.patient for access in current])
    context = {"form": form, "current": current, "hours": settings.EMERGENCY_ACCESS_HOURS}
    return render(request, "careplans/emergency_access.html", context, status=400 if form.errors else 200)
