"""The Jinja2 environment of the hot partials (issue #15): the rows and timelines a page repeats
tens or hundreds of times, and the forms' widgets (config.forms.FormRenderer). Django's
templates stay the rest; a page includes these through template tags (tasks.templatetags).

Their HTML is byte for byte what Django's templates gave: every `{{ value }}` is escaped as
Django's conditional_escape does (`finalize`), so an apostrophe is `&#x27;` as on every other page
and not markupsafe's `&#39;`; autoescaping stays on, and values Django marked safe stay as they are
(both honour `__html__`)."""

from __future__ import annotations

import html
from collections.abc import Callable

from django.template import engines
from django.template.defaultfilters import date, linebreaksbr, time
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from jinja2 import Environment, Undefined
from markupsafe import Markup

from careplans.templatetags.practice_dates import day_date, short_date


def _as_django_renders(value):
    """As Django's templates print a value: None as "None", escaped as django.utils.html's
    conditional_escape does (html.escape: `&#x27;` for an apostrophe, `&quot;`), without its lazy
    wrapper, which cost more than the rows themselves; a value with `__html__` (safe) as it is."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value)))  # noqa: S704  # nosec B704  # escaped just now


def iso_time(value) -> str:
    """`value|date("c")` for a datetime, in the practice's time zone, without the format parser."""
    return template_localtime(value).isoformat()


def clock_time(value) -> str:
    """`value|date("m/d/Y g:i A")` for a datetime (12/01/2026 9:05 AM), in the practice's time
    zone: what the timelines print fifty times a page, where Django's date filter (its format
    parser, translations and localisation) cost more than the rest of the row."""
    local = template_localtime(value)
    return f"{local:%m/%d/%Y} {local.hour % 12 or 12}:{local:%M} {'PM' if local.hour > 11 else 'AM'}"


def environment(**options) -> Environment:
    options.pop("autoescape", None)  # always on
    # A missing value prints nothing, debug or not, as in Django's templates (Django's backend
    # would print DebugUndefined's "{{ name }}" in debug).
    options["undefined"] = Undefined
    # A template's last newline kept, as Django's engine keeps it: the forms' templates end with
    # one, and a radio button's label is followed by the same whitespace as before.
    options.setdefault("keep_trailing_newline", True)
    env = Environment(autoescape=True, finalize=_as_django_renders, **options)
    env.filters.update(
        {
            # In the practice's time zone, as Django's templates give these two filters their value.
            "date": lambda value, arg=None: date(template_localtime(value), arg),
            "time": lambda value, arg=None: time(template_localtime(value), arg),
            "iso_time": iso_time,
            "us_date": us_date,
            "clock_time": clock_time,
            "day_date": day_date,
            "short_date": short_date,
            "linebreaksbr": lambda value: linebreaksbr(value, autoescape=True),
        }
    )
    return env


def render_partial(template: str, context: dict) -> SafeString:
    """A partial of the Jinja2 engine, to include in a page of Django's: every value in it was
    escaped (finalize above), so the whole is safe."""
    return mark_safe(engines["jinja2"].get_template(template).render(context))  # noqa: S308  # nosec B308 B703


# An id no row has (the URLs take 18 digits at most): where a reversed URL carries its pk.
_MARKER = 987654321987654321


def url_for_each(name: str) -> Callable[[int], str]:
    """reverse(name, args=[pk]) for any pk, reversed once: a page of 100 rows asked the resolver
    for 200 URLs. The same string reverse() gives, the pk where the marker was."""
    before, after = reverse(name, args=[_MARKER]).split(str(_MARKER))
    return lambda pk: f"{before}{pk}{after}"


def us_date(day) -> str:
    """`day|date("m/d/Y")` for a date (a birth date), without the format parser."""
    return f"{day.month:02}/{day.day:02}/{day.year:04}" if day else ""
