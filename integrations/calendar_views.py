"""The calendar feed: the page where a user turns their feed on, resets or turns off its secret
URL, and the feed itself, which calendar apps fetch without signing in (so it answers only to the
secret, and the file names no patient: integrations.calendar)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods

from integrations import calendar
from integrations.models import CalendarFeed, feed_token_hash

ACTIONS = ("enable", "reset", "disable")


@require_http_methods(["GET", "POST"])
def calendar_settings(request):
    """GET: whether the feed is on. POST action=enable|reset: a new secret, shown once on the
    page this answers with (only its hash is kept); action=disable: the feed stops."""
    feed = CalendarFeed.objects.filter(user=request.user).first()
    url = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ACTIONS:
            messages.error(request, "Choose turn on, new address or turn off.")
            return redirect("calendar_settings")
        if action == "disable":
            CalendarFeed.objects.filter(user=request.user).delete()
            messages.success(request, "Calendar feed turned off: its address no longer works.")
            return redirect("calendar_settings")
        token = CalendarFeed.new_token()
        with transaction.atomic():
            feed, _created = CalendarFeed.objects.update_or_create(
                user=request.user, defaults={"token_hash": feed_token_hash(token), "last_fetched_at": None}
            )
        url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
    return render(request, "integrations/calendar_settings.html", {"feed": feed, "url": url})


@login_not_required
@require_GET
def calendar_feed(request, token: str):
    feed = calendar.feed_for_token(token)
    if feed is None:
        raise Http404
    if calendar.over_rate(feed):
        response = HttpResponse("Too many requests for this feed; try again within the hour.", status=429)
        response["Retry-After"] = "3600"
        return response
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())
    body = calendar.build_feed(feed, base_url=f"{request.scheme}://{request.get_host()}")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="followthrough.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)
    return response
