"""Care plan intake and dates: steps counted in business days land on working days (weekends and
the admin's holidays skipped, read in one query), a calendar-day step on a closed day says so, and
dates outside the windows are field errors that save nothing."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from careplans.models import CarePlan, DueUnit, Holiday
from tasks import intake
from tasks.actions import RuleViolation
from tests.factories import CarePlanTemplateFactory, TemplateTaskFactory, in_days
from tests.helpers import creates_nothing


@pytest.fixture
def friday(today):
    """The next Friday from today (today itself when it is one)."""
    return today + datetime.timedelta(days=(4 - today.weekday()) % 7)


@pytest.fixture
def template(db):
    template = CarePlanTemplateFactory(name="Post-discharge")
    TemplateTaskFactory(
        template=template,
        position=1,
        title="Call within 2 business days",
        due_offset_days=2,
        due_offset_unit=DueUnit.BUSINESS_DAYS,
    )
    TemplateTaskFactory(template=template, position=2, title="Check in on day 2", due_offset_days=2)
    return template


def _preview(patient, template, starts_on):
    return {row.title: row for row in intake.preview(patient=patient, template=template, starts_on=starts_on)}


def test_two_business_days_after_a_friday_start_is_the_tuesday(patient, coordinator, template, friday):
    rows = _preview(patient, template, friday)

    business, calendar = rows["Call within 2 business days"], rows["Check in on day 2"]
    assert business.due_on == friday + datetime.timedelta(days=4)
    assert business.notes == []
    # A calendar-day step lands where it falls, and the preview says so.
    assert calendar.due_on == friday + datetime.timedelta(days=2)
    assert calendar.notes == ["Due on a Sunday, not a working day (the template counts calendar days)."]


def test_a_holiday_is_skipped_and_named_when_a_calendar_step_lands_on_it(
    patient, coordinator, template, friday
):
    Holiday.objects.create(date=friday + datetime.timedelta(days=3), name="Labor Day")
    Holiday.objects.create(date=friday + datetime.timedelta(days=4), name="Practice closed")

    rows = _preview(patient, template, friday + datetime.timedelta(days=2))

    assert rows["Call within 2 business days"].due_on == friday + datetime.timedelta(days=6)  # Thursday
    assert rows["Check in on day 2"].notes == [
        "Due on Practice closed, a practice holiday (the template counts calendar days)."
    ]


def test_no_business_day_step_ever_lands_on_a_weekend(patient, coordinator, today):
    template = CarePlanTemplateFactory()
    for n in range(-3, 9):
        TemplateTaskFactory(
            template=template, title=f"step {n}", due_offset_days=n, due_offset_unit=DueUnit.BUSINESS_DAYS
        )

    landed = {
        row.due_on
        for start in range(7)
        for row in intake.preview(
            patient=patient, template=template, starts_on=today + datetime.timedelta(days=start)
        )
    }

    assert {day.weekday() for day in landed} <= {0, 1, 2, 3, 4}


def test_the_holidays_cost_one_query_however_many_steps(patient, coordinator, friday):
    def cost(steps: int) -> int:
        template = CarePlanTemplateFactory()
        for n in range(steps):
            TemplateTaskFactory(
                template=template, due_offset_days=n * 3, due_offset_unit=DueUnit.BUSINESS_DAYS
            )
        with CaptureQueriesContext(connection) as queries:
            intake.preview(patient=patient, template=template, starts_on=friday)
        return sum("careplans_holiday" in q["sql"] for q in queries.captured_queries), len(
            queries.captured_queries
        )

    assert cost(2) == cost(20)
    assert cost(2)[0] == 1


def test_the_preview_says_each_steps_due_rule(client, coordinator, patient, template, friday):
    client.force_login(coordinator)

    response = client.get(
        reverse("care_plan_intake", args=[patient.pk]),
        {"template": template.pk, "starts_on": friday.isoformat(), "ends_on": ""},
    )

    assert "2 business days after plan start" in response.text
    assert "2 days after plan start" in response.text


# ---- windows --------------------------------------------------------------------------------


def test_a_plan_starting_years_ago_is_a_field_error(client, coordinator, patient, template):
    client.force_login(coordinator)

    response = client.get(
        reverse("care_plan_intake", args=[patient.pk]),
        {"template": template.pk, "starts_on": in_days(-800).isoformat(), "ends_on": ""},
    )

    assert response.status_code == 400
    assert "a year ago" in response.context["form"].errors["starts_on"][0]
    assert response.context["rows"] is None


def test_a_row_dated_years_ahead_is_a_field_error_and_saves_nothing(
    client, coordinator, patient, template, today
):
    client.force_login(coordinator)
    url = reverse("care_plan_intake", args=[patient.pk])
    preview = client.get(url, {"template": template.pk, "starts_on": today.isoformat(), "ends_on": ""})
    data = {"intake_key": str(preview.context["intake_key"]), **preview.context["picked"]}
    for row, form in preview.context["rows"]:
        data.update(
            {
                form.add_prefix("include"): "on",
                form.add_prefix("title"): row.title,
                form.add_prefix("owner"): row.owner.pk,
                form.add_prefix("due_on"): row.due_on.isoformat(),
                form.add_prefix("priority"): row.priority,
            }
        )
    (_, first), _ = preview.context["rows"]
    data[first.add_prefix("due_on")] = in_days(6 * 365).isoformat()

    with creates_nothing():
        response = client.post(url, data)

    assert response.status_code == 400
    (_, bound), _ = response.context["rows"]
    assert "five years from today" in bound.errors["due_on"][0]
    assert not CarePlan.objects.exists()


def test_apply_refuses_a_row_outside_the_window_and_names_it(patient, coordinator, template, today):
    rows = intake.preview(patient=patient, template=template, starts_on=today)
    rows[1].due_on = today - datetime.timedelta(days=400)

    with creates_nothing(), pytest.raises(RuleViolation) as refused:
        intake.apply_template(
            patient=patient,
            template=template,
            starts_on=today,
            ends_on=None,
            by=coordinator,
            rows=rows,
            intake_key=uuid.uuid4(),
        )

    assert refused.value.rule == "due-date-in-window"
    assert refused.value.message.startswith("Check in on day 2: The due date cannot be before")
    assert not CarePlan.objects.exists()
