from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import actions
from notifications.access import get_notification_for_user
from notifications.forms import PreferenceForm
from notifications.models import Notification, NotificationPreference

INBOX_PAGE_SIZE = 50


@require_GET
def inbox(request):
    page = Paginator(Notification.objects.for_inbox(request.user), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    unread = Notification.objects.unread_for(request.user).count()
    return render(request, "notifications/inbox.html", {"page": page, "unread": unread})


@require_GET
def inbox_badge(request):
    """The header's unread count, loaded by htmx so that pages pay no query for it."""
    unread = Notification.objects.unread_for(request.user).count()
    return render(request, "notifications/_badge.html", {"unread": unread})


@require_POST
def mark_read(request):
    """With `notification`: that one (the user's own, else 404); without: all of them."""
    if "notification" not in request.POST:
        actions.mark_all_read(request.user)
        return redirect("inbox")
    notification = get_notification_for_user(request.user, request.POST["notification"])
    actions.mark_read(notification)
    if request.htmx:
        notification = get_notification_for_user(request.user, notification.pk)
        response = render(request, "notifications/_notification.html", {"notification": notification})
        response["HX-Trigger"] = "notificationsRead"  # the header badge refreshes
        return response
    return redirect("inbox")


@require_http_methods(["GET", "POST"])
def preferences(request):
    data = request.POST if request.method == "POST" else None
    form = PreferenceForm(data, instance=NotificationPreference.for_user(request.user))
    if request.method == "POST" and form.is_valid():
        actions.save_preference(
            request.user,
            delivery=form.cleaned_data["delivery"],
            digest_hour=form.cleaned_data["digest_hour"],
        )
        messages.success(request, "Saved.")
        return redirect("inbox")
    status = 400 if form.errors else 200
    return render(request, "notifications/preferences.html", {"form": form}, status=status)
