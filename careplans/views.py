from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import PatientAccessLog
from careplans.access import get_patient_for_user
from careplans.models import Patient
from tasks.models import Activity, Task


@require_GET
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


@require_GET
def patient_detail(request, pk: int):
    patient = get_patient_for_user(request.user, pk)
    PatientAccessLog.objects.create(user=request.user, patient=patient, path=request.path[:300])
    clinical = request.user.has_perm("careplans.view_clinical")
    tasks = Task.objects.visible_to(request.user).filter(patient=patient).for_patient_page()
    open_tasks = [t for t in tasks.open()[:100]]
    recent_closed = list(tasks.exclude(pk__in=[t.pk for t in open_tasks]).order_by("-updated_at")[:20])
    visible_task_ids = Task.objects.visible_to(request.user).filter(patient=patient).values("pk")
    context = {
        "patient": patient,
        "clinical": clinical,
        "programs": patient.enrollments.select_related("program").filter(status="active"),
        "care_plans": patient.care_plans.for_patient_page() if clinical else [],
        "open_tasks": open_tasks,
        "recent_closed": recent_closed,
        "next_task": open_tasks[0] if open_tasks else None,
        "appointments": patient.appointments.select_related("provider").order_by("-starts_at")[:10],
        "activities": Activity.objects.filter(patient=patient, task__in=visible_task_ids).for_timeline()[:50],
    }
    return render(request, "careplans/patient_detail.html", context)
