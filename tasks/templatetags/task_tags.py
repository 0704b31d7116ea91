from django import template

from tasks import rows
from tasks.models import ordinal

register = template.Library()


register.simple_tag(rows.due_phrase, name="due_phrase")


@register.simple_tag
def task_rows(tasks, *, today, selectable=False, show_patient=False, show_owner=False, panel=False):
    """`{% task_rows page today=today show_patient=True ... %}`: the <tr> of each task, from
    the Jinja2 partial (tasks.rows)."""
    return rows.task_rows(
        tasks,
        today=today,
        selectable=selectable,
        show_patient=show_patient,
        show_owner=show_owner,
        panel=panel,
    )


@register.simple_tag
def task_timeline(activities):
    return rows.task_timeline(activities)


@register.simple_tag
def patient_timeline(timeline):
    return rows.patient_timeline(timeline)


@register.simple_tag
def owner_options(groups):
    return rows.owner_options(groups)


@register.filter
def tel(phone: str) -> str:
    """A phone number as a tel: link target: its digits and a leading +, nothing else."""
    return "".join(ch for ch in phone if ch.isdigit() or ch == "+")


register.filter("ordinal", ordinal)


@register.simple_tag(takes_context=True)
def filter_fields(context, fields):
    """`{% filter_fields filter.primary_fields %}`: each field as the filters show it (tasks.rows)."""
    return rows.filter_fields(fields, user=context.get("user"))
