"""Task rows and timelines as the lists and the task page show them, from the Jinja2 partials in
tasks/jinja2/tasks/ (issue #15: a queue of 100 rows spent most of its time in Django's template engine,
in a per-row include). The pages include them through template tags (tasks.templatetags)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils.safestring import SafeString

from config.jinja2 import render_partial, url_for_each
from tasks.choices import CLOSED_STATUSES


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
    return render_partial("tasks/_task_rows.html", context)


def task_timeline(activities: Iterable) -> SafeString:
    """A task's timeline: its activities, newest first."""
    return render_partial("tasks/_timeline.html", {"activities": activities})


def patient_timeline(timeline: Iterable) -> SafeString:
    """A patient's timeline (careplans' entries), each activity linking to its task."""
    return render_partial(
        "tasks/_patient_timeline.html", {"timeline": timeline, "task_url": url_for_each("task_detail")}
    )


def filter_fields(fields: Iterable, *, user) -> SafeString:
    """A filter form's fields: a checkbox list folded in a dropdown, a date range with a label
    for each end, or a field and its label; each with its errors."""
    return render_partial("tasks/_filter_fields.html", {"fields": fields, "user": user, "chosen": chosen})


def owner_options(groups) -> SafeString:
    """An owner <select>'s options, grouped (tasks.forms.owner_groups): a practice-wide manager's
    bulk bar offers hundreds of people."""
    return render_partial("tasks/_owner_options.html", {"groups": groups})


def chosen(field) -> str:
    """A checkbox filter's ticked choices, for its folded summary: "New, In progress", or "Any"."""
    return ", ".join(choice.choice_label for choice in field if choice.data["selected"]) or "Any"
