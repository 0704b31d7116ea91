import datetime

from django import template

from tasks.choices import CLOSED_STATUSES
from tasks.models import ordinal

register = template.Library()


@register.simple_tag
def due_phrase(task, today: datetime.date) -> str:
    """ "3 days overdue", "today", "tomorrow", "in 4 days". Whether a task is overdue is the
    database's answer (tasks.rowsets.with_due_flags sets `is_overdue`), so a closed task past its
    date says nothing here rather than "overdue", and a closed task nothing at all ("tomorrow"
    under a completed task would read as work still to do)."""
    if task.status in CLOSED_STATUSES:
        return ""
    days = (task.due_on - today).days
    if getattr(task, "is_overdue", False):
        return "1 day overdue" if days == -1 else f"{-days} days overdue"
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days > 1:
        return f"in {days} days"
    return ""


@register.filter
def tel(phone: str) -> str:
    """A phone number as a tel: link target: its digits and a leading +, nothing else."""
    return "".join(ch for ch in phone if ch.isdigit() or ch == "+")


register.filter("ordinal", ordinal)


@register.filter
def chosen(field) -> str:
    """A checkbox filter's ticked choices, for its folded summary: "New, In progress", or "Any"."""
    return ", ".join(choice.choice_label for choice in field if choice.data["selected"]) or "Any"
