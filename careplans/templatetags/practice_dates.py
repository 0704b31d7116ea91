"""Dates as the pages show them: short, with the year whenever it is not the practice's current
year, so a due date a year out never reads like one next week. `{% load practice_dates %}` in
any app's template; it lives here, the lowest app whose dates the pages show."""

import datetime

from django import template
from django.utils import timezone

register = template.Library()


def _day(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value if isinstance(value, datetime.date) else None


@register.filter
def short_date(value) -> str:
    """12/03 this year, 12/03/2027 in any other."""
    day = _day(value)
    if day is None:
        return ""
    return f"{day:%m/%d}" if day.year == timezone.localdate().year else f"{day:%m/%d/%Y}"


@register.filter
def day_date(value) -> str:
    """Mon 12/03 this year, Mon 12/03/2027 in any other."""
    day = _day(value)
    return f"{day:%a} {short_date(day)}" if day else ""
