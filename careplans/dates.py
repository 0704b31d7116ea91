"""Dates a practice can trust: the window each kind of date must fall in, and the practice's
business days (the weekdays it works, settings.PRACTICE_WORKING_DAYS, less the holidays kept in
the admin).

Each window is written once, here, as a function that names what is wrong or returns None: the
forms show it on the field, the actions refuse with it (tasks.actions, tasks.intake,
careplans.actions), so a typo such as 2205 for 2025 never reaches a queue. It sits in careplans
because plans, templates and tasks all need it, and careplans is the lowest of them.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError

from careplans.models import Holiday

# A due date may precede the plan's start (or today, without a plan) by a year at most: catching
# up on work already done, never a date from another decade.
DUE_BEFORE_START_DAYS = 365
# No date is set more than five years ahead of today.
YEARS_AHEAD = 5
# A wait ends within 180 days unless a manager of the task's team sets it (tasks.rights).
WAIT_DAYS_AHEAD = 180
# A plan starts at most a year ago: older care is history, not work to track.
PLAN_START_BEFORE_TODAY_DAYS = 365
# Any date typed into a filter or a URL falls in these years: every date a practice means, and
# none that a day's arithmetic (the day after, a trend's 90 days before) carries past year 1 or
# 9999, which Python and the database refuse with an error instead of an answer.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2999


def in_calendar(day: datetime.date) -> bool:
    return EARLIEST_YEAR <= day.year <= LATEST_YEAR


def validate_in_calendar(day: datetime.date | None) -> None:
    """A form field's validator: a field error rather than a crash further on."""
    if day is not None and not in_calendar(day):
        raise ValidationError(f"Enter a date between the years {EARLIEST_YEAR} and {LATEST_YEAR}.")


def years_after(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` later; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def latest_date(today: datetime.date) -> datetime.date:
    return years_after(today, YEARS_AHEAD)


def due_date_problem(
    due_on: datetime.date, *, today: datetime.date, plan_start: datetime.date | None = None
) -> str | None:
    """What is wrong with `due_on` for a task (of a plan starting `plan_start`), or None."""
    earliest = (plan_start or today) - datetime.timedelta(days=DUE_BEFORE_START_DAYS)
    if due_on < earliest:
        since = "the plan starts" if plan_start else "today"
        return f"The due date cannot be before {earliest:%m/%d/%Y}, a year before {since}."
    latest = latest_date(today)
    if due_on > latest:
        return f"The due date cannot be after {latest:%m/%d/%Y}, five years from today."
    return None


def waiting_until_problem(
    until: datetime.date, *, today: datetime.date, longer_allowed: bool = False
) -> str | None:
    """What is wrong with `until` as the end of a wait, or None. `longer_allowed`: set by a
    manager of the task's team, whom the 180 days do not bind (five years still do)."""
    if until < today:
        return "The waiting-until date cannot be in the past."
    latest = today + datetime.timedelta(days=WAIT_DAYS_AHEAD)
    if until > latest and not longer_allowed:
        return (
            f"A wait can last until {latest:%m/%d/%Y} at most ({WAIT_DAYS_AHEAD} days); "
            "ask a manager of the team for a longer one."
        )
    if until > latest_date(today):
        return f"The waiting-until date cannot be after {latest_date(today):%m/%d/%Y}, five years from today."
    return None


def plan_start_problem(starts_on: datetime.date, *, today: datetime.date) -> str | None:
    earliest = today - datetime.timedelta(days=PLAN_START_BEFORE_TODAY_DAYS)
    if starts_on < earliest:
        return f"A plan cannot start before {earliest:%m/%d/%Y}, a year ago."
    if starts_on > latest_date(today):
        return f"A plan cannot start after {latest_date(today):%m/%d/%Y}, five years from today."
    return None


def plan_end_problem(ends_on: datetime.date, *, today: datetime.date) -> str | None:
    if ends_on > latest_date(today):
        return f"A plan cannot end after {latest_date(today):%m/%d/%Y}, five years from today."
    return None


# ---- business days --------------------------------------------------------------------------


class WorkCalendar:
    """Which days the practice works, between two dates: its working weekdays less its holidays.
    The holidays of the whole range are read in one query when it is made; a day outside the
    range (holidays filling more of it than the margin allows) reads a further year at once,
    never a query per day."""

    def __init__(self, first: datetime.date, last: datetime.date):
        self.weekdays = frozenset(settings.PRACTICE_WORKING_DAYS)
        self.holidays: dict[datetime.date, str] = {}
        self.first, self.last = first, first - datetime.timedelta(days=1)
        self._read(first, last)

    @classmethod
    def covering(cls, days, business_offsets=()) -> WorkCalendar:
        """A calendar over `days` and as far around them as `business_offsets` can reach, with
        a margin for weekends and holidays."""
        offsets = [0, *business_offsets]
        margin = (max(abs(n) for n in offsets) // len(settings.PRACTICE_WORKING_DAYS) + 1) * 7 + 14
        before = margin if min(offsets) < 0 else 0
        after = margin if max(offsets) > 0 else 7  # an offset of 0 may roll past a weekend
        return cls(min(days) - datetime.timedelta(days=before), max(days) + datetime.timedelta(days=after))

    def _read(self, first: datetime.date, last: datetime.date) -> None:
        self.holidays.update(Holiday.objects.filter(date__range=(first, last)).values_list("date", "name"))
        self.first, self.last = min(first, self.first), max(last, self.last)

    def _cover(self, day: datetime.date) -> None:
        year = datetime.timedelta(days=365)
        if day < self.first:
            self._read(day - year, self.first - datetime.timedelta(days=1))
        elif day > self.last:
            self._read(self.last + datetime.timedelta(days=1), day + year)

    def holiday(self, day: datetime.date) -> str | None:
        self._cover(day)
        return self.holidays.get(day)

    def is_working_day(self, day: datetime.date) -> bool:
        return day.weekday() in self.weekdays and self.holiday(day) is None

    def add_business_days(self, day: datetime.date, n: int) -> datetime.date:
        """`n` working days after `day` (before it when negative), counting neither weekends
        the practice does not work nor holidays; 0 is `day` itself when the practice works
        then, else the next working day. The answer is always a working day."""
        step = datetime.timedelta(days=-1 if n < 0 else 1)
        left = abs(n)
        while left or not self.is_working_day(day):
            if left and self.is_working_day(day + step):
                left -= 1
            day += step
        return day
