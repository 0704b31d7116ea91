import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.middleware import not_activity
from careplans.access import log_tasks_shown
from careplans.dates import in_calendar
from notifications import actions
from notifications.access import get_notification_for_user
from notifications.forms import PreferenceForm
from notifications.models import INBOX_KINDS, Notification, NotificationPreference

INBOX_PAGE_SIZE = 50  # lines (a kind on a day) on the inbox; notices on a line's own page


@require_GET
def inbox(request):
    """One line per kind and day received, with its count: a manager's two hundred escalations
    of a morning are one line to open, not four pages. A line of one notice shows the notice."""
    page = Paginator(Notification.objects.groups_for(request.user), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    singles = [group["last_id"] for group in page if group["count"] == 1]
    notices = Notification.objects.for_inbox(request.user).in_bulk(singles) if singles else {}
    for group in page:
        group["label"] = Notification(kind=group["kind"]).get_kind_display()
        group["notice"] = notices.get(group["last_id"]) if group["count"] == 1 else None
    log_tasks_shown(request, (n.task for n in notices.values() if n.task_visible))  # a line of one
    unread = Notification.objects.unread_for(request.user).count()
    return render(request, "notifications/inbox.html", {"page": page, "unread": unread})


def _group_key(kind: str, day: str) -> tuple[str, datetime.date]:
    try:
        received = datetime.date.fromisoformat(day)
    except ValueError:
        raise Http404("No such day.") from None
    if not in_calendar(received):
        raise Http404("No such day.")
    if kind not in INBOX_KINDS:
        raise Http404("No such kind of notice.")
    return kind, received


@require_GET
def inbox_group(request, kind: str, day: str):
    """The notices of one inbox line, newest first: htmx fills the line in when it is opened;
    without script it is a page of its own."""
    kind, received = _group_key(kind, day)
    notices = Notification.objects.for_inbox(request.user).filter(kind=kind).received_on(received)
    page = Paginator(notices, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    log_tasks_shown(request, (n.task for n in page if n.task_visible))  # each names its patient
    context = {
        "page": page,
        "kind": kind,
        "label": Notification(kind=kind).get_kind_display(),
        "received": received,
    }
    template = "notifications/_group.html" if request.htmx else "notifications/group.html"
    return render(request, template, context)


@not_activity
@require_GET
def inbox_badge(request):
    """The header's unread count, loaded by htmx so that pages pay no query for it. Its polling
    is the page's doing, not the user's: it does not hold off the idle logoff."""
    unread = Notification.objects.unread_for(request.user).count()
    return render(request, "notifications/_badge.html", {"unread": unread})


@require_POST
def mark_read(request):
    """With `notification`: that one (the user's own, else 404); with `kind` and `day`: that
    inbox line; without: all of them."""
    if "kind" in request.POST:
        kind, received = _group_key(request.POST["kind"], request.POST.get("day", ""))
        actions.mark_all_read(request.user, kind=kind, received=received)
        return redirect("inbox")
    if "notification" not in request.POST:
        actions.mark_all_read(request.user)
        return redirect("inbox")
    notification = get_notification_for_user(request.user, request.POST["notification"])
    actions.mark_read(notification)
    if request.htmx:
        notification = get_notification_for_user(request.user, notification.pk)
        if notification.task_visible:
            log_tasks_shown(request, [notification.task])
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
