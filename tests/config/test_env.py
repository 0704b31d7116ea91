"""The environment's typed readers fail loudly on values they cannot use."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import weekday_numbers


def test_working_days_are_read_as_weekday_numbers():
    assert weekday_numbers("PRACTICE_WORKING_DAYS", ["mon", "Tue", "wednesday", "sat"]) == (0, 1, 2, 5)


@pytest.mark.parametrize("days", [[], ["mon", "funday"], ["monkey"]])
def test_no_working_day_or_an_unknown_one_stops_the_start(days):
    with pytest.raises(ImproperlyConfigured, match="PRACTICE_WORKING_DAYS"):
        weekday_numbers("PRACTICE_WORKING_DAYS", days)


def test_the_default_practice_works_monday_to_friday(settings):
    assert settings.PRACTICE_WORKING_DAYS == (0, 1, 2, 3, 4)
