import datetime
from decimal import ROUND_HALF_UP, Decimal

from django import template

from config.jinja2 import render_partial

register = template.Library()


@register.filter
def short_duration(value: datetime.timedelta | None) -> str:
    """A time in status as a manager reads it: minutes, hours, or days with one decimal."""
    if value is None:
        return "\N{EN DASH}"
    hours = value.total_seconds() / 3600
    if hours < 1:
        return f"{round(hours * 60)} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


@register.filter
def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


@register.simple_tag
def breakdown_rows(rows):
    """`{% breakdown_rows table.rows %}`: a breakdown table's <tr>s, from a Jinja2 partial (an
    owner table of a practice-wide manager has hundreds of rows, each with two queue links)."""
    return render_partial("dashboards/_breakdown_rows.html", {"rows": rows, "percent": percent})


@register.simple_tag
def reassignment_rows(rows):
    """`{% reassignment_rows rows %}`: a reassignment table's <tr>s, as breakdown_rows."""
    return render_partial("dashboards/_reassignment_rows.html", {"rows": rows, "two_places": two_places})


@register.simple_tag
def trend_rows(points):
    """`{% trend_rows board.trend %}`: the trend table's <tr>s, a day each, as breakdown_rows."""
    return render_partial("dashboards/_trend_rows.html", {"points": points, "weekday_date": weekday_date})


def two_places(value: float) -> str:
    """`value|floatformat:2` for a rate: two decimals, half up (0.125 is 0.13), without the
    filter's localisation, which cost more than the rest of the row."""
    return str(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def weekday_date(day: datetime.date) -> str:
    """`day|date:"D M j"` (Tue Dec 1), without the format parser."""
    return f"{day:%a %b} {day.day}"
