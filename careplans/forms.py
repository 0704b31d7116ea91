from django import forms
from django.utils import timezone

from careplans.dates import plan_end_problem, plan_start_problem
from careplans.models import CarePlan, CarePlanTemplate, GoalStatus


class IntakeForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=CarePlanTemplate.objects.filter(is_active=True).select_related("program"),
        label="Care plan template",
    )
    starts_on = forms.DateField(label="Plan starts", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label="Plan ends", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].label_from_instance = lambda t: f"{t.program} — {t.name}"

    def clean_starts_on(self):
        starts_on = self.cleaned_data["starts_on"]
        problem = plan_start_problem(starts_on, today=timezone.localdate())
        if problem:
            raise forms.ValidationError(problem)
        return starts_on

    def clean_ends_on(self):
        ends_on = self.cleaned_data["ends_on"]
        problem = ends_on and plan_end_problem(ends_on, today=timezone.localdate())
        if problem:
            raise forms.ValidationError(problem)
        return ends_on

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The plan cannot end before it starts.")
        return data


class ClinicalForm(forms.Form):
    """Goals and interventions: shown and accepted for providers only."""

    goals = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One goal per line; add a target after a | (e.g. A1c below 8 | by March).",
    )
    interventions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def goal_lines(self) -> list[tuple[str, str]]:
        lines = []
        for line in self.cleaned_data.get("goals", "").splitlines():
            description, _, target = line.partition("|")
            if description.strip():
                lines.append((description.strip(), target.strip()))
        return lines


class CarePlanClinicalForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = CarePlan
        fields = ["status", "ends_on", "interventions"]
        widgets = {
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "interventions": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"ends_on": "Plan ends"}

    def clean_ends_on(self):
        ends_on = self.cleaned_data["ends_on"]
        # Judged when it changes: a plan keeps the end it has.
        changed = ends_on and ends_on != self.instance.ends_on
        problem = changed and plan_end_problem(ends_on, today=timezone.localdate())
        if problem:
            raise forms.ValidationError(problem)
        return ends_on


class GoalRowForm(forms.Form):
    goal_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(max_length=300, required=False, label="Goal")
    target = forms.CharField(max_length=200, required=False)
    status = forms.ChoiceField(choices=GoalStatus.choices, initial=GoalStatus.ACTIVE)

    def clean(self):
        data = super().clean()
        if data.get("goal_id") and not data.get("description", "").strip():
            self.add_error(
                "description", "A goal needs a description; set its status to Cancelled to drop it."
            )
        return data


GoalFormSet = forms.formset_factory(GoalRowForm, extra=1)


class EmergencyAccessForm(forms.Form):
    """Break the glass: the patient by MRN and date of birth, exactly, and why."""

    mrn = forms.CharField(label="MRN", max_length=40, help_text="Exactly as on the patient's record.")
    birth_date = forms.DateField(label="Date of birth", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label="Reason",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why you need this record now, e.g. “patient in the ED, their care team is closed”.",
    )
    confirm = forms.BooleanField(
        label="I need this record for the patient's care now. I understand that this access is "
        "logged and that Compliance is told of it.",
    )
