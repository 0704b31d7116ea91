"""Months in the practice's time zone (America/New_York in the tests), DST included."""

import datetime as dt

import pytest

from ccm.months import days_left, month_of, parse_month

UTC = dt.UTC


@pytest.mark.parametrize(
    ("moment", "month"),
    [
        # Standard time (UTC-5): 04:59 UTC on March 1 is still February 28 in the practice.
        (dt.datetime(2026, 3, 1, 4, 59, tzinfo=UTC), dt.date(2026, 2, 1)),
        (dt.datetime(2026, 3, 1, 5, 0, tzinfo=UTC), dt.date(2026, 3, 1)),
        # Daylight time (UTC-4), after the March 8 change: a fixed -5 offset would get these wrong.
        (dt.datetime(2026, 4, 1, 3, 59, tzinfo=UTC), dt.date(2026, 3, 1)),
        (dt.datetime(2026, 4, 1, 4, 0, tzinfo=UTC), dt.date(2026, 4, 1)),
        # November 1 2026 is the day DST ends: midnight is still daylight time.
        (dt.datetime(2026, 11, 1, 3, 30, tzinfo=UTC), dt.date(2026, 10, 1)),
        (dt.datetime(2026, 11, 1, 4, 30, tzinfo=UTC), dt.date(2026, 11, 1)),
    ],
)
def test_a_moment_counts_in_the_month_of_its_practice_date(settings, moment, month):
    settings.TIME_ZONE = "America/New_York"
    assert month_of(moment) == month


def test_parse_month_takes_yyyy_mm_only():
    assert parse_month("2026-02") == dt.date(2026, 2, 1)
    for bad in ("2026-13", "2026-2", "26-02", "", None, "0001-01", "2026-02-01"):
        assert parse_month(bad) is None


def test_days_left():
    assert days_left(dt.date(2026, 2, 1), dt.date(2026, 2, 28)) == 0
    assert days_left(dt.date(2026, 2, 1), dt.date(2026, 2, 20)) == 8
