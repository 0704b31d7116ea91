"""The dashboard's filters: care team, location, program and period, all in the URL."""

from __future__ import annotations

import datetime

from django import forms

from accounts.models import CareTeam, Location
from accounts.scope import managed_team_ids, team_ids_for
from careplans.dates import in_calendar, validate_in_calendar
from careplans.models import Program
from tasks import rowsets

# The flow figures' period unless the URL says otherwise: the last four weeks, what a huddle
# reviews (the trend shows 90 days to the period's end whatever the period).
DEFAULT_DAYS = 28
MAX_DAYS = 366


def filter_choices(user, scope: str) -> dict[str, dict[int, str]]:
    """The teams, locations and programs a user can filter by, as {pk: name}: three queries,
    loaded once, for the selects and for naming the rows of the tables."""
    team_ids = managed_team_ids(user) if scope == rowsets.Scope.TEAMS else team_ids_for(user)
    return {
        "teams": dict(CareTeam.objects.filter(pk__in=team_ids).values_list("pk", "name")),
        "locations": dict(Location.objects.values_list("pk", "name")),
        "programs": dict(Program.objects.values_list("pk", "name")),
    }


def _choices(names: dict[int, str], empty: str) -> list[tuple[str, str]]:
    return [("", empty), *((str(pk), name) for pk, name in names.items())]


class DateInput(forms.DateInput):
    input_type = "date"


class DashboardFilterForm(forms.Form):
    care_team = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Care team")
    location = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Location")
    program = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Program")
    start = forms.DateField(
        required=False, label="Period from", widget=DateInput, validators=[validate_in_calendar]
    )
    end = forms.DateField(
        required=False, label="Period to", widget=DateInput, validators=[validate_in_calendar]
    )

    def __init__(self, data, *, choices: dict[str, dict[int, str]], today: datetime.date):
        # The period in effect shows in the date fields, asked for or not.
        data = data.copy()
        if not data.get("end"):
            data["end"] = today.isoformat()
        if not data.get("start"):
            try:
                end = datetime.date.fromisoformat(data["end"])
            except ValueError:
                end = today
            if not in_calendar(end):  # the field says so; the default start must still be a date
                end = today
            data["start"] = (end - datetime.timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        super().__init__(data)
        self.today = today
        self.fields["care_team"].choices = _choices(choices["teams"], "All my teams")
        self.fields["location"].choices = _choices(choices["locations"], "All locations")
        self.fields["program"].choices = _choices(choices["programs"], "All programs")

    def clean(self):
        data = super().clean()
        end = data.get("end") or self.today
        start = data.get("start") or end - datetime.timedelta(days=DEFAULT_DAYS - 1)
        if end > self.today:
            self.add_error("end", "The period cannot end after today.")
        elif start > end:
            self.add_error("start", "The period must start on or before its end.")
        elif (end - start).days + 1 > MAX_DAYS:
            self.add_error("start", f"Choose a period of at most {MAX_DAYS} days.")
        return data

    def period(self) -> tuple[datetime.date, datetime.date]:
        """The period asked for, or the default (the last DEFAULT_DAYS days) where it is invalid."""
        self.is_valid()
        asked = "start" not in self.errors and "end" not in self.errors
        end = (self.cleaned_data.get("end") if asked else None) or self.today
        start = (self.cleaned_data.get("start") if asked else None) or end - datetime.timedelta(
            days=DEFAULT_DAYS - 1
        )
        return start, end

    def value(self, name: str):
        """A filter's value, or None where it is missing or invalid."""
        return self.cleaned_data.get(name) if name not in self.errors else None
