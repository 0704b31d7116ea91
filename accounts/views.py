from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET


@require_GET
def home(request):
    """Each role lands where its day starts. Managers get the dashboard; everyone else the patient
    list until the work queue lands."""
    if request.user.has_perm("tasks.view_dashboard"):
        return redirect("dashboard")
    if request.user.has_perm("careplans.view_patient"):
        return redirect("patient_list")
    if request.user.is_staff:
        return redirect("admin:index")
    return redirect("patient_list")


@login_not_required
@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
