"""The dashboard's row partials print rates and days without Django's filters: the same strings."""

import datetime

import pytest
from django.template.defaultfilters import date, floatformat

from dashboards.templatetags.dashboard_tags import two_places, weekday_date


@pytest.mark.parametrize("value", [0.0, 0.005, 0.125, 0.135, 1 / 3, 2 / 3, 1.0, 1.005, 2.675, 12.5, 99.999])
def test_two_places_is_floatformat_2(value):
    assert two_places(value) == floatformat(value, 2)


def test_weekday_date_is_the_date_filter_for_every_day_of_a_year():
    first = datetime.date(2026, 1, 1)
    for n in range(366):
        day = first + datetime.timedelta(days=n)
        assert weekday_date(day) == date(day, "D M j")
