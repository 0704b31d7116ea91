from django import forms
from django.http import QueryDict
from django.utils import timezone

from accounts.models import User
from accounts.scope import member_ids_of, team_id_list, user_ids_in_team
from careplans.models import CarePlan, CarePlanStatus
from tasks.choices import FRONT_DESK_KINDS, ContactOutcome, Priority, TaskKind, WaitingReason
from tasks.filters import TaskFilter
from tasks.models import Task


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class StartForm(VersionedForm):
    pass


class WaitForm(VersionedForm):
    reason = forms.ChoiceField(choices=[("", "Choose a reason"), *WaitingReason.choices])
    until = forms.DateField(label="Waiting until", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until < timezone.localdate():
            raise forms.ValidationError("The waiting-until date cannot be in the past.")
        return until


class ResumeForm(VersionedForm):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CompleteForm(VersionedForm):
    outcome = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(VersionedForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(VersionedForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class ReassignForm(VersionedForm):
    to = forms.ModelChoiceField(label="New owner", queryset=User.objects.none())
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = (
            User.objects.filter(pk__in=user_ids_in_team(task.care_team_id), is_active=True)
            .exclude(pk=task.owner_id)
            .order_by("last_name", "first_name", "username")
        )


class ChangeForm(VersionedForm):
    """The task's own fields as they are, to edit; a reason for the change."""

    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(label="Type", choices=TaskKind.choices)
    due_on = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}))
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, task, user, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {
            "title": task.title,
            "kind": task.kind,
            "due_on": task.due_on,
            "priority": task.priority,
            **kwargs["initial"],
        }
        super().__init__(*args, **kwargs)
        if not user.has_perm("tasks.add_task"):  # front desk: scheduling and outreach, or as it is
            kinds = {*FRONT_DESK_KINDS, task.kind}
            self.fields["kind"].choices = [(k, label) for k, label in TaskKind.choices if k in kinds]


class NoteForm(forms.Form):
    contact_outcome = forms.ChoiceField(
        label="Contact attempt",
        required=False,
        choices=[("", "Not a contact attempt"), *ContactOutcome.choices],
    )
    body = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    call_back_on = forms.DateField(
        label="Call back on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="With a contact attempt: creates the follow-up call, yours, due that day.",
    )

    def clean(self):
        data = super().clean()
        if not data.get("body", "").strip() and not data.get("contact_outcome"):
            raise forms.ValidationError("Write a note or choose a contact outcome.")
        if data.get("call_back_on"):
            if not data.get("contact_outcome"):
                self.add_error("call_back_on", "A call back follows a contact attempt: choose its outcome.")
            elif data["call_back_on"] < timezone.localdate():
                self.add_error("call_back_on", "The call back date cannot be in the past.")
        return data


class BulkReassignForm(forms.Form):
    task_ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), label="Tasks")
    to = forms.ModelChoiceField(label="New owner", queryset=User.objects.none())
    reason = forms.CharField(max_length=500)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = team_id_list(user)
        self.fields["to"].queryset = User.objects.filter(
            is_active=True, pk__in=member_ids_of(teams)
        ).order_by("last_name", "first_name", "username")
        if self.is_bound:
            # Any id may be posted; the view only acts on the ones visible to the user.
            self.fields["task_ids"].choices = [(v, v) for v in self.data.getlist("task_ids") if v.isdigit()]


class SaveFilterForm(forms.Form):
    """A name for the queue's filters as they are. They go through the queue's own FilterSet:
    a parameter it does not read is dropped, a value it refuses refuses the save."""

    name = forms.CharField(max_length=80, label="Name")
    query = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_query(self):
        filterset = TaskFilter(
            QueryDict(self.cleaned_data["query"]), queryset=Task.objects.none(), request=self.request
        )
        if not filterset.is_valid():
            problems = "; ".join(
                f"{filterset.form[name].label}: {' '.join(errors)}"
                for name, errors in filterset.form.errors.items()
            )
            raise forms.ValidationError(f"Fix these filters before saving them. {problems}")
        query = filterset.querystring()
        if not query:
            raise forms.ValidationError("Choose some filters first: there is nothing to save.")
        return query


class PlannedRowForm(forms.Form):
    """One task of a care plan intake preview, as the person applying the template edits it."""

    include = forms.BooleanField(required=False, initial=True)
    title = forms.CharField(max_length=200)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int)

    def __init__(self, *args, team_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(
            pk__in=user_ids_in_team(team_id), is_active=True
        ).order_by("last_name", "first_name", "username")

    def clean(self):
        data = super().clean()
        if data.get("include") and not data.get("owner"):
            self.add_error("owner", "Choose who owns this task.")
        return data


class AdHocTaskForm(forms.Form):
    """A one-off task on a patient, outside a care plan's template: a call back, a form to send.
    Front desk chooses among scheduling and outreach kinds only; the owner is an active member of
    the patient's care team; the care plan is offered to those who may see plans."""

    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(label="Type", choices=TaskKind.choices, initial=TaskKind.OUTREACH_CALL)
    owner = forms.ModelChoiceField(queryset=User.objects.none())
    due_on = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}))
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, initial=Priority.NORMAL)
    care_plan = forms.ModelChoiceField(
        queryset=CarePlan.objects.none(), required=False, empty_label="None (ad hoc)", label="Care plan"
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, patient, user, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {"owner": user.pk, "due_on": timezone.localdate(), **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(
            pk__in=user_ids_in_team(patient.care_team_id), is_active=True
        ).order_by("last_name", "first_name", "username")
        if not user.has_perm("tasks.add_task"):
            self.fields["kind"].choices = [(k, TaskKind(k).label) for k in FRONT_DESK_KINDS]
        if user.has_perm("careplans.view_careplan"):
            self.fields["care_plan"].queryset = patient.care_plans.filter(
                status=CarePlanStatus.ACTIVE
            ).select_related("program")
        else:
            del self.fields["care_plan"]


class PlanClosingForm(forms.Form):
    """On the plan's edit page, when its status becomes completed or revoked."""

    cancel_open_tasks = forms.BooleanField(required=False, initial=True, label="Also cancel its open tasks")
    reason = forms.CharField(
        required=False,
        max_length=200,
        label="Why they end",
        help_text="Kept on each task's timeline, e.g. patient moved to another practice.",
    )
