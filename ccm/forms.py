from django import forms
from django.utils import timezone

from careplans.dates import validate_in_calendar
from ccm.actions import MAX_MINUTES
from ccm.checklist import ELEMENTS
from ccm.models import ConsentMethod, CopyMethod


def _date(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_in_calendar],
        **kwargs,
    )


class ConsentForm(forms.Form):
    consented_on = _date("Consent given on")
    method = forms.ChoiceField(label="Consent given", choices=ConsentMethod.choices)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"consented_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class RevokeForm(forms.Form):
    revoked_on = _date("Revoked on", help_text="Time from this day on is not billable.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"revoked_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class TimeForm(forms.Form):
    performed_on = _date("Date")
    minutes = forms.IntegerField(min_value=1, max_value=MAX_MINUTES)
    description = forms.CharField(label="What was done", max_length=300)
    task = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"performed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class EditTimeForm(forms.Form):
    performed_on = _date("Date")
    minutes = forms.IntegerField(min_value=1, max_value=MAX_MINUTES)
    description = forms.CharField(label="What was done", max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AdjustForm(forms.Form):
    minutes = forms.IntegerField(
        label="Minutes to add",
        min_value=-MAX_MINUTES,
        max_value=MAX_MINUTES,
        help_text="Negative to take time off.",
    )
    reason = forms.CharField(max_length=300, help_text="Why the billed month is corrected.")

    def clean_minutes(self):
        if self.cleaned_data["minutes"] == 0:
            raise forms.ValidationError("Enter a change other than zero.")
        return self.cleaned_data["minutes"]


class TimerStopForm(forms.Form):
    """What the stopped call was about. Its ids are its own: the task's timer panel also holds the
    by-hand form, whose "What was done" field would otherwise share the id (and the label)."""

    description = forms.CharField(label="What was done", max_length=300)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_timer_%s")
        super().__init__(*args, **kwargs)


class ChecklistForm(forms.Form):
    is_complex = forms.BooleanField(
        label="Complex CCM (moderate or high complexity medical decision making)", required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, derived=frozenset(), **kwargs):
        """`derived`: the elements the plan's content meets. They are shown met, not offered as a
        box; disabled, each keeps the mark it has (from `initial`) whatever is posted."""
        super().__init__(*args, **kwargs)
        for name, label, _how in ELEMENTS:
            self.fields[name] = forms.BooleanField(label=label, required=False, disabled=name in derived)


class CopyForm(forms.Form):
    given_on = _date("Copy given on")
    method = forms.ChoiceField(label="Given how", choices=CopyMethod.choices)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"given_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class ExportForm(forms.Form):
    month = forms.RegexField(regex=r"^\d{4}-\d{2}$", error_messages={"invalid": "Enter a month as YYYY-MM."})
