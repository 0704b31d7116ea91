"""What a cell means. Each parser returns the value or raises BadValue with the reason a person
can act on; it never echoes the cell (a date of birth is patient data, and the error report
names the row and column instead)."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

from careplans.dates import in_calendar

# The formats US exports use, tried in order. %m and %d take one digit or two, so 3/5/2026 and
# 03/05/2026 are the same format; %Y wants four digits, %y two, so 3/5/26 never reads as year 26.
DATE_FORMATS = (
    "%m/%d/%Y",
    "%m/%d/%y",
    "%Y-%m-%d",
    "%m-%d-%Y",
    "%m-%d-%y",
    "%Y/%m/%d",
    "%m.%d.%Y",
    "%Y%m%d",
    "%b %d %Y",
    "%B %d %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d %b %Y",
)
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I:%M:%S %p", "%I %p", "%I%p")
DATE_HINT = "MM/DD/YYYY, M/D/YY or YYYY-MM-DD"
_MIDNIGHT = re.compile(r"[ T]0?0:00(:00(\.0+)?)?$")  # Excel's "3/5/2026 0:00" for a plain date


class BadValue(ValueError):
    pass


def text(value, *, max_length: int, what: str) -> str:
    value = "" if value is None else str(value)
    if len(value) > max_length:
        raise BadValue(f"{what} is longer than {max_length} characters.")
    return value


def parse_date(value, *, past: bool = False) -> datetime.date:
    """A date in any of DATE_FORMATS (or a spreadsheet's own date cell). `past`: a date that
    cannot be in the future (birth, death), so a two-digit year lands in the last century
    rather than ahead of today: 4/1/58 is 1958."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    fast = _fast_date(str(value))
    if fast is not None:
        return fast
    raw = _MIDNIGHT.sub("", str(value).strip()).replace(",", "")
    raw = re.sub(r"\s+", " ", raw)
    for fmt in DATE_FORMATS:
        try:
            day = datetime.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
        if past and "%y" in fmt and day > timezone.localdate():
            day = day.replace(year=day.year - 100)
        if not in_calendar(day):
            raise BadValue("is not a date in a year this practice could mean.")
        return day
    raise BadValue(f"is not a date: write it as {DATE_HINT}.")


_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _fast_date(raw: str) -> datetime.date | None:
    """The two formats of nearly every row (M/D/YYYY or M/D/YY, and YYYY-MM-DD) without strptime,
    which costs ten times more; anything else (or an impossible date) goes the long way."""
    if m := _US.fullmatch(raw):
        month, day, year = int(m[1]), int(m[2]), m[3]
        if len(year) == 2:
            return None
        year = int(year)
    elif m := _ISO.fullmatch(raw):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    else:
        return None
    try:
        found = datetime.date(year, month, day)
    except ValueError:
        return None
    return found if in_calendar(found) else None


def parse_time(value) -> datetime.time:
    if isinstance(value, datetime.datetime):
        return value.time()
    if isinstance(value, datetime.time):
        return value
    raw = re.sub(r"\s+", " ", str(value).strip().upper()).replace(".", "")
    for fmt in TIME_FORMATS:
        try:
            return datetime.datetime.strptime(raw, fmt).time()
        except ValueError:
            continue
    raise BadValue("is not a time: write it as 14:30 or 2:30 PM.")


def parse_datetime(value, time_value=None) -> datetime.datetime:
    """A date and time in the practice's time zone, from one cell ("3/5/2026 2:30 PM",
    "2026-03-05T14:30") or from a date cell and a time cell."""
    if isinstance(value, datetime.datetime) and time_value is None:
        moment = value
    elif time_value is not None:
        moment = datetime.datetime.combine(parse_date(value), parse_time(time_value))
    else:
        raw = re.sub(r"\s+", " ", str(value).strip())
        parts = re.split(r"[ T]", raw, maxsplit=1)
        if len(parts) != 2:
            raise BadValue("has no time: write it as 03/05/2026 14:30 (or map a time column).")
        moment = datetime.datetime.combine(parse_date(parts[0]), parse_time(parts[1]))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def parse_choice(value, choices, *, aliases: dict[str, str] | None = None) -> str:
    """One of `choices` (a TextChoices), by value or label in any case, or an alias."""
    raw = str(value).strip().lower()
    for choice in choices:
        if raw in (choice.value.lower(), str(choice.label).lower()):
            return choice.value
    if aliases and raw in aliases:
        return aliases[raw]
    allowed = ", ".join(str(choice.label).lower() for choice in choices)
    raise BadValue(f"is not one of: {allowed}.")


def split_name(value) -> tuple[str, str]:
    """(first, last) from "Last, First" or "First Last"."""
    raw = re.sub(r"\s+", " ", str(value).strip())
    if "," in raw:
        last, first = (part.strip() for part in raw.split(",", 1))
    else:
        first, _, last = raw.rpartition(" ")
    if not first or not last:
        raise BadValue("is not a full name: write it as Last, First.")
    return first, last
