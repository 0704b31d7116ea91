"""The Jinja2 environment of the hot partials (issue #15): the rows and timelines a page repeats
tens or hundreds of times, and the forms' widgets (config.forms.FormRenderer). Django's
templates stay the rest; a page includes these through template tags (tasks.templatetags).

Their HTML is byte for byte what Django's templates gave: every `{{ value }}` is escaped by
Django's own conditional_escape (`finalize`), so an apostrophe is `&#x27;` as on every other page
and not markupsafe's `&#39;`; autoescaping stays on, and values Django marked safe stay as they are
(both honour `__html__`)."""

from __future__ import annotations

from django.template.defaultfilters import date, linebreaksbr, time
from django.utils.html import conditional_escape
from django.utils.timezone import template_localtime
from jinja2 import Environment, Undefined
from markupsafe import Markup

from careplans.templatetags.practice_dates import day_date, short_date


def _as_django_renders(value):
    """As Django's templates print a value: None as "None", escaped with Django's entities."""
    return Markup(conditional_escape(value))  # noqa: S704  # nosec B704  # escaped just now, or safe already


def environment(**options) -> Environment:
    options.pop("autoescape", None)  # always on
    # A missing value prints nothing, debug or not, as in Django's templates (Django's backend
    # would print DebugUndefined's "{{ name }}" in debug).
    options["undefined"] = Undefined
    env = Environment(autoescape=True, finalize=_as_django_renders, **options)
    env.filters.update(
        {
            # In the practice's time zone, as Django's templates give these two filters their value.
            "date": lambda value, arg=None: date(template_localtime(value), arg),
            "time": lambda value, arg=None: time(template_localtime(value), arg),
            "day_date": day_date,
            "short_date": short_date,
            "linebreaksbr": lambda value: linebreaksbr(value, autoescape=True),
        }
    )
    return env
