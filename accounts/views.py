from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.middleware import not_activity, record_activity, seconds_left
from accounts.scope import team_id_list


@require_GET
def home(request):
    """Each role lands where its day starts: managers on the dashboard, providers on their
    patients, everyone who works tasks on My work, and administrators in the admin."""
    user = request.user
    # A superuser holds every right but works no team: the operator's break-glass, in the admin.
    # So does anyone who uses the admin and works in no team: whatever their roles hold, their
    # patient list and queue would be empty.
    if user.is_staff and (user.is_superuser or not team_id_list(user)):
        return redirect("admin:index")
    # Providers and coordinators see a dashboard too (their own slice), but their day starts on
    # their patients or their queue. By right, never by role name: renaming a role changes nothing.
    if user.has_perm("tasks.view_dashboard") and user.has_perm("tasks.view_team_dashboard"):
        return redirect("dashboard")
    if user.has_perm("careplans.edit_clinical"):
        return redirect(reverse("patient_list") + "?mine=1")
    if user.has_perm("tasks.work_task"):
        return redirect("my_work")
    if user.has_perm("careplans.review_access_log"):
        return redirect("audit")
    if user.has_perm("careplans.hear_emergency_access"):
        return redirect("inbox")  # Compliance: its day is the emergency accesses it hears of
    if user.is_staff:
        return redirect("admin:index")
    return render(request, "no_role.html", status=403)


@not_activity
@require_GET
def session_status(request):
    """How long until this session ends, for the idle warning (static/js/session.js). Asking is
    no activity: a page left open must still time out."""
    return JsonResponse({"seconds_left": seconds_left(request.session)})


@require_POST
def session_extend(request):
    """The warning's "Stay signed in": activity, as any request is; says the new time left."""
    record_activity(request.session, force=True)
    return JsonResponse({"seconds_left": seconds_left(request.session)})
