import datetime

from django import template

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
