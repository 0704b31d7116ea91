"""The practice calendar: the window each kind of date must fall in, business days over weekends
and holidays (read in one query), and a template step's due rule as a person says it."""

import datetime

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from careplans import dates
from careplans.dates import WorkCalendar
from careplans.models import DueAnchor, DueUnit, Holiday, TemplateTask

FRIDAY = datetime.date(2026, 7, 10)
TODAY = datetime.date(2026, 12, 1)


def day(iso: str) -> datetime.date:
    return datetime.date.fromisoformat(iso)


# ---- windows --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "plan_start", "wrong"),
    [
        ("2025-12-01", None, False),  # a year before today, without a plan
        ("2025-11-30", None, True),
        ("2025-06-01", "2026-06-01", False),  # a year before the plan's start
        ("2025-05-31", "2026-06-01", True),
        ("2031-12-01", None, False),  # five years ahead
        ("2031-12-02", "2026-06-01", True),
    ],
)
def test_a_due_date_falls_between_a_year_before_the_plan_start_and_five_years_ahead(due, plan_start, wrong):
    problem = dates.due_date_problem(day(due), today=TODAY, plan_start=plan_start and day(plan_start))

    assert bool(problem) is wrong


def test_the_refusal_names_the_date_and_why():
    assert dates.due_date_problem(day("2205-01-01"), today=TODAY) == (
        "The due date cannot be after 12/01/2031, five years from today."
    )
    assert dates.due_date_problem(day("2020-01-01"), today=TODAY, plan_start=day("2026-11-01")) == (
        "The due date cannot be before 11/01/2025, a year before the plan starts."
    )


def test_a_wait_ends_within_180_days_unless_a_manager_sets_it():
    limit = TODAY + datetime.timedelta(days=180)

    assert dates.waiting_until_problem(limit, today=TODAY) is None
    assert "at most (180 days)" in dates.waiting_until_problem(
        limit + datetime.timedelta(days=1), today=TODAY
    )
    assert dates.waiting_until_problem(day("2028-01-01"), today=TODAY, longer_allowed=True) is None
    assert "five years" in dates.waiting_until_problem(day("2032-01-01"), today=TODAY, longer_allowed=True)
    assert "past" in dates.waiting_until_problem(day("2026-11-30"), today=TODAY, longer_allowed=True)


def test_five_years_from_a_29_february_is_the_28th():
    assert dates.years_after(day("2028-02-29"), 5) == day("2033-02-28")


# ---- business days --------------------------------------------------------------------------


def test_two_business_days_after_a_friday_is_the_tuesday(db):
    calendar = WorkCalendar.covering([FRIDAY], [2])

    assert calendar.add_business_days(FRIDAY, 2) == day("2026-07-14")
    assert calendar.add_business_days(FRIDAY, -2) == day("2026-07-08")
    assert calendar.add_business_days(day("2026-07-11"), 0) == day("2026-07-13")  # Saturday: the Monday


def test_a_holiday_is_skipped(db):
    Holiday.objects.create(date=day("2026-07-13"), name="Staff training")

    calendar = WorkCalendar.covering([FRIDAY], [1])

    assert calendar.add_business_days(FRIDAY, 1) == day("2026-07-14")
    assert calendar.holiday(day("2026-07-13")) == "Staff training"


def test_business_days_never_land_on_a_weekend_or_holiday(db):
    Holiday.objects.create(date=day("2026-12-25"), name="Christmas")
    Holiday.objects.create(date=day("2027-01-01"), name="New Year's Day")
    starts = [day("2026-12-19") + datetime.timedelta(days=n) for n in range(16)]
    offsets = range(-12, 13)
    calendar = WorkCalendar.covering(starts, offsets)

    landed = {calendar.add_business_days(start, n) for start in starts for n in offsets}

    assert all(d.weekday() < 5 for d in landed)
    assert not landed & {day("2026-12-25"), day("2027-01-01")}


@pytest.mark.parametrize("working", [(0, 1, 2, 3, 4, 5), (1, 2, 3, 4)])
def test_the_practice_chooses_its_working_days(db, settings, working):
    settings.PRACTICE_WORKING_DAYS = working
    calendar = WorkCalendar.covering([FRIDAY], [1])

    landed = calendar.add_business_days(FRIDAY, 1)

    assert landed == (day("2026-07-11") if 5 in working else day("2026-07-14"))


def test_holidays_are_read_once_for_the_whole_range(db):
    Holiday.objects.bulk_create(
        Holiday(date=day("2026-07-13") + datetime.timedelta(days=n), name=f"Closed {n}") for n in range(5)
    )

    with CaptureQueriesContext(connection) as queries:
        calendar = WorkCalendar.covering([FRIDAY, FRIDAY + datetime.timedelta(days=30)], [1, 10, 20])
        answers = [calendar.add_business_days(FRIDAY, n) for n in range(25)]

    assert len(queries.captured_queries) == 1
    assert answers[1] == day("2026-07-20")  # the closed week skipped


def test_a_run_of_holidays_past_the_margin_reads_further_once(db):
    Holiday.objects.bulk_create(
        Holiday(date=FRIDAY + datetime.timedelta(days=n), name="Closed for renovation") for n in range(1, 60)
    )

    with CaptureQueriesContext(connection) as queries:
        calendar = WorkCalendar.covering([FRIDAY], [1])
        landed = calendar.add_business_days(FRIDAY, 1)

    assert landed == day("2026-09-08")  # the Tuesday after the 59 closed days
    assert len(queries.captured_queries) == 2


# ---- the due rule as a person says it -------------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "offset", "unit", "text"),
    [
        (DueAnchor.PLAN_START, 2, DueUnit.BUSINESS_DAYS, "2 business days after plan start"),
        (DueAnchor.PLAN_START, 14, DueUnit.DAYS, "14 days after plan start"),
        (DueAnchor.PLAN_START, 0, DueUnit.DAYS, "on plan start"),
        (DueAnchor.PLAN_START, 0, DueUnit.BUSINESS_DAYS, "on plan start, or the next business day"),
        (DueAnchor.NEXT_APPOINTMENT, -1, DueUnit.BUSINESS_DAYS, "1 business day before the next appointment"),
        (DueAnchor.NEXT_APPOINTMENT, 1, DueUnit.DAYS, "1 day after the next appointment"),
    ],
)
def test_a_template_step_says_its_due_rule(anchor, offset, unit, text):
    step = TemplateTask(due_anchor=anchor, due_offset_days=offset, due_offset_unit=unit)

    assert step.due_rule_text == text


# ---- the admin ------------------------------------------------------------------------------


def test_the_admin_role_keeps_the_holiday_list(client, admin):
    client.force_login(admin)

    added = client.post(
        reverse("admin:careplans_holiday_add"), {"date": "2026-12-25", "name": "Christmas Day"}
    )
    listed = client.get(reverse("admin:careplans_holiday_changelist"))

    assert added.status_code == 302
    assert "Christmas Day" in listed.text
    holiday = Holiday.objects.get()
    assert holiday.history.get().history_user == admin


def test_a_template_step_is_counted_in_business_days_in_the_admin(client, superuser):
    client.force_login(superuser)

    body = client.get(reverse("admin:careplans_careplantemplate_add")).text

    assert 'name="tasks-0-due_offset_unit"' in body
    assert "Business days" in body


# ---- dates on the pages ---------------------------------------------------------------------


def _shown(value, fmt: str) -> str:
    return Template("{% load practice_dates %}{{ value|" + fmt + " }}").render(Context({"value": value}))


def test_dates_show_the_year_only_when_it_is_not_this_year(today):
    this_year = today.replace(month=3, day=12)
    next_year = this_year.replace(year=today.year + 1)
    last_year = this_year.replace(year=today.year - 1)

    assert _shown(this_year, "short_date") == "03/12"
    assert _shown(next_year, "short_date") == f"03/12/{today.year + 1}"
    assert _shown(last_year, "day_date") == f"{last_year:%a} 03/12/{today.year - 1}"
    assert _shown(this_year, "day_date") == f"{this_year:%a} 03/12"
    assert _shown(None, "short_date") == ""


def test_a_moment_is_shown_on_the_practice_day(settings):
    settings.TIME_ZONE = "America/New_York"
    # 02:00 UTC on 1 January is still New Year's Eve in New York.
    moment = datetime.datetime(2030, 1, 1, 2, 0, tzinfo=datetime.UTC)

    assert _shown(moment, "short_date") == "12/31/2029"
