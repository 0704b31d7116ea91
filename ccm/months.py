"""Calendar months in the practice's time zone (settings.TIME_ZONE): the unit CCM is billed in.
A month is the date of its first day. A moment belongs to the month of its local date, so a call
at 11:30 pm on the 31st counts in that month whatever UTC says, across DST changes too."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_of(value: dt.date | dt.datetime) -> dt.date:
    """The month a date falls in, or an aware moment by its practice-local date."""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return value.replace(day=1)


def current_month() -> dt.date:
    return month_of(timezone.localdate())


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def last_day(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


def days_left(month: dt.date, today: dt.date) -> int:
    """Days of `month` left after `today` (0 on its last day; the whole month before it starts)."""
    if today < month:
        return (last_day(month) - month).days + 1
    return max((last_day(month) - today).days, 0)


def parse_month(text: str | None) -> dt.date | None:
    """ "YYYY-MM" → the month, or None for anything else (a year from 1900 to 2999)."""
    match = _MONTH.match((text or "").strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1900 <= year <= 2999 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def label(month: dt.date) -> str:
    return f"{month:%B %Y}"


def key(month: dt.date) -> str:
    return f"{month:%Y-%m}"
