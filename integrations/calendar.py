"""Each user's personal iCalendar feed: their open tasks' due dates and their patients'
appointments, for a calendar app that cannot sign in.

The feed's URL is a secret (integrations.models.CalendarFeed: only its hash is stored), and the
file carries nothing that identifies a patient: an event says what kind of work is due ("Outreach
call due") or when an appointment is ("Appointment 10:30"), and links to the task or patient
page, which asks to sign in. No patient name, MRN, date of birth, phone, task title, appointment
kind or note. Bounded: a window of days, at most MAX_EVENTS events, and a fetch rate per feed."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from careplans.models import Appointment, Patient
from integrations.models import CalendarFeed, feed_token_hash
from tasks.choices import OPEN_STATUSES, TaskKind
from tasks.models import Task

DAYS_BEFORE = 14  # overdue work stays on the calendar this long
DAYS_AFTER = 120
MAX_EVENTS = 500
FETCHES_PER_HOUR = 60  # calendar apps poll every 5-60 minutes; more is a script
APPOINTMENT_MINUTES = 30


def feed_for_token(token: str) -> CalendarFeed | None:
    if not token or len(token) > 100:
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=feed_token_hash(token), user__is_active=True)
        .first()
    )


def over_rate(feed: CalendarFeed) -> bool:
    """Counts this fetch; True past FETCHES_PER_HOUR in the current hour."""
    key = f"calendar-feed:{feed.pk}:{int(timezone.now().timestamp()) // 3600}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > FETCHES_PER_HOUR


def _window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    return today - datetime.timedelta(days=DAYS_BEFORE), today + datetime.timedelta(days=DAYS_AFTER)


def due_tasks(user, today: datetime.date):
    first, last = _window(today)
    return (
        Task.objects.filter(owner=user, status__in=OPEN_STATUSES, due_on__gte=first, due_on__lte=last)
        .order_by("due_on", "pk")
        .values_list("pk", "kind", "due_on")[:MAX_EVENTS]
    )


def appointments(user, today: datetime.date):
    """Appointments with the user as provider, or of their patients: those they are primary
    provider of, and those whose open tasks they own. Within the user's scope only."""
    first, last = _window(today)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(last, datetime.time.max))
    mine = Task.objects.filter(owner=user, status__in=OPEN_STATUSES).values("patient_id")
    return (
        Appointment.objects.filter(starts_at__gte=start, starts_at__lte=end)
        .filter(Q(provider=user) | Q(patient__primary_provider=user) | Q(patient__in=mine))
        .filter(patient__in=Patient.objects.visible_to(user).values("pk"))
        .order_by("starts_at", "pk")
        .values_list("pk", "patient_id", "starts_at")[:MAX_EVENTS]
    )


def build_feed(feed: CalendarFeed, *, base_url: str) -> bytes:
    """The .ics file. `base_url`: "https://host", for the links back (which ask to sign in)."""
    user = feed.user
    today = timezone.localdate()
    host = base_url.split("://", 1)[-1]
    cal = Calendar()
    cal.add("prodid", "-//Followthrough//Calendar feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Followthrough")
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    # Calendar apps that honour these poll hourly.
    cal.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    stamp = timezone.now()
    count = 0
    for pk, kind, due_on in due_tasks(user, today):
        event = Event()
        event.add("uid", f"task-{pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("summary", f"{TaskKind(kind).label} due")
        event.add("dtstart", due_on)
        event.add("dtend", due_on + datetime.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        event.add("url", f"{base_url}{reverse('task_detail', args=[pk])}")
        cal.add_component(event)
        count += 1
    for pk, patient_id, starts_at in appointments(user, today)[: max(0, MAX_EVENTS - count)]:
        local = timezone.localtime(starts_at)
        event = Event()
        event.add("uid", f"appointment-{pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("summary", f"Appointment {local:%H:%M}")
        event.add("dtstart", starts_at)
        event.add("dtend", starts_at + datetime.timedelta(minutes=APPOINTMENT_MINUTES))
        event.add("url", f"{base_url}{reverse('patient_detail', args=[patient_id])}")
        cal.add_component(event)
    return cal.to_ical()
