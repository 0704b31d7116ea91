import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def due_relative(due_on: datetime.date, today: datetime.date | None = None) -> str:
    """ "3 days overdue", "today", "tomorrow", "in 4 days": judged in the practice's time zone."""
    if due_on is None:
        return ""
    today = today or timezone.localdate()
    days = (due_on - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "1 day overdue"
    if days < 0:
        return f"{-days} days overdue"
    return f"in {days} days"
