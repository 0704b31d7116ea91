from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from careplans.models import Patient


@require_GET
@permission_required("careplans.view_patient", raise_exception=True)
def patient_list(request):
    patients = Patient.objects.visible_to(request.user).for_list()
    query = request.GET.get("q", "").strip()
    if query:
        patients = patients.filter(
            Q(mrn__iexact=query) | Q(last_name__istartswith=query) | Q(first_name__istartswith=query)
        )
    mine = request.GET.get("mine") == "1"
    if mine:
        patients = patients.filter(primary_provider=request.user)
    page = Paginator(patients, 50).get_page(request.GET.get("page"))
    return render(request, "careplans/patient_list.html", {"page": page, "query": query, "mine": mine})
