"""Task rows and timelines as the lists and the task page show them, from the Jinja2 partials in
tasks/jinja2/tasks/ (issue #15: a queue of 100 rows spent most of its time in Django's template engine,
in a per-row include). The pages include them through template tags (tasks.templatetags)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.template import engines
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from tasks.choices import CLOSED_STATUSES

# An id no row has (the URLs take 18 digits at most): where a reversed URL carries its pk.
_MARKER = 987654321987654321


def url_for_each(name: str) -> Callable[[int], str]:
    """reverse(name, args=[pk]) for any pk, reversed once: a page of 100 rows asked the resolver
    for 200 URLs. The same string reverse() gives, the pk where the marker was."""
    before, after = reverse(name, args=[_MARKER]).split(str(_MARKER))
    return lambda pk: f"{before}{pk}{after}"


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


def _render(template: str, context: dict) -> SafeString:
    # Jinja2 escapes every value (config.jinja2, Django's entities); its output is safe to include.
    return mark_safe(engines["jinja2"].get_template(template).render(context))  # noqa: S308  # nosec B308 B703


def task_rows(
    tasks: Iterable,
    *,
    today,
    selectable: bool = False,
    show_patient: bool = False,
    show_owner: bool = False,
    panel: bool = False,
) -> SafeString:
    """<tr> for each task (rows from tasks.rowsets.with_due_flags): a checkbox for bulk actions
    (`selectable`), the patient's cell, the owner's, and the title opening the side panel
    (`panel`)."""
    context = {
        "tasks": tasks,
        "today": today,
        "selectable": selectable,
        "show_patient": show_patient,
        "show_owner": show_owner,
        "panel": panel,
        "task_url": url_for_each("task_detail"),
        "patient_url": url_for_each("patient_detail"),
        "due_phrase": due_phrase,
    }
    return _render("tasks/_task_rows.html", context)


def task_timeline(activities: Iterable) -> SafeString:
    """A task's timeline: its activities, newest first."""
    return _render("tasks/_timeline.html", {"activities": activities})


def patient_timeline(timeline: Iterable) -> SafeString:
    """A patient's timeline (careplans' entries), each activity linking to its task."""
    return _render(
        "tasks/_patient_timeline.html", {"timeline": timeline, "task_url": url_for_each("task_detail")}
    )


def filter_fields(fields: Iterable, *, user) -> SafeString:
    """A filter form's fields: a checkbox list folded in a dropdown, a date range with a label
    for each end, or a field and its label; each with its errors."""
    return _render("tasks/_filter_fields.html", {"fields": fields, "user": user, "chosen": chosen})


def chosen(field) -> str:
    """A checkbox filter's ticked choices, for its folded summary: "New, In progress", or "Any"."""
    return ", ".join(choice.choice_label for choice in field if choice.data["selected"]) or "Any"
