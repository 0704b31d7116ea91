from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tasks.models import Task


@require_GET
@permission_required("tasks.view_dashboard", raise_exception=True)
def dashboard(request):
    """Placeholder until the dashboard issue: the headline counts of the user's visible tasks."""
    today = timezone.localdate()
    tasks = Task.objects.visible_to(request.user).open()
    context = {
        "overdue": tasks.filter(due_on__lt=today).count(),
        "due_today": tasks.filter(due_on=today).count(),
        "open": tasks.count(),
    }
    return render(request, "dashboards/dashboard.html", context)
