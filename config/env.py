"""Small typed readers for the environment. They fail loudly on bad values."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def weekday_numbers(name: str, days: list[str]) -> tuple[int, ...]:
    """Day names (mon, tue...) as weekday numbers, Monday 0 as datetime counts them. A practice
    works on at least one day: none, or a name we do not know, stops the start."""
    numbers = set()
    for day in days:
        key = day.strip().lower()
        if key not in WEEKDAYS and key not in _DAY_NAMES:
            raise ImproperlyConfigured(
                f"{name}: {day!r} is not a day (use mon, tue, wed, thu, fri, sat, sun)"
            )
        numbers.add(WEEKDAYS.index(key[:3]))
    if not numbers:
        raise ImproperlyConfigured(f"{name} must name at least one working day")
    return tuple(sorted(numbers))


def ehr_chart_pattern(name: str, pattern: str) -> str:
    """An EHR chart URL pattern: empty (no link-out), or an http(s) URL holding {ehr_id} once and
    no other placeholder. Anything else stops the start, rather than linking every patient to a
    wrong chart."""
    pattern = pattern.strip()
    if not pattern:
        return ""
    if not pattern.startswith(("https://", "http://")):
        raise ImproperlyConfigured(f"{name} must be an http(s) URL, got {pattern!r}")
    try:
        pattern.format(ehr_id="x")
    except (KeyError, IndexError, ValueError):
        raise ImproperlyConfigured(f"{name} may hold {{ehr_id}} and no other placeholder") from None
    if pattern.count("{ehr_id}") != 1:
        raise ImproperlyConfigured(f"{name} must hold {{ehr_id}} exactly once, got {pattern!r}")
    return pattern
