import re
from functools import cached_property

from django import forms
from django.db.models import BooleanField, ExpressionWrapper
from django.http import QueryDict
from django.utils import timezone

from accounts.models import CareTeam, User
from accounts.scope import member_ids_of, team_id_list, user_ids_in_team
from careplans.dates import WAIT_DAYS_AHEAD, due_date_problem, waiting_until_problem
from careplans.models import CarePlan, CarePlanStatus
from tasks.choices import (
    FRONT_DESK_KINDS,
    OPEN_STATUSES,
    ContactOutcome,
    Priority,
    TaskKind,
    WaitingReason,
)
from tasks.filters import TaskFilter
from tasks.models import Task
from tasks.notes import NOTE_MAX_LENGTH
from tasks.rights import can_override_order, can_wait_longer, can_work, may_own_kind, works_clinical

SCHEDULING_ONLY = "Scheduling and outreach calls only"


def owner_groups(users) -> tuple[list[tuple[str, list[tuple[int, str]]]], set[int]]:
    """`users` in two groups when both have people: those who may own any task, and those who
    may own scheduling and outreach calls only (tasks.rights.can_own_kind); else one group
    without a label. One query; also returns the ids of those who may own any task."""
    rows = list(users.annotate(clinical=ExpressionWrapper(works_clinical(), output_field=BooleanField())))
    every = [(user.pk, str(user)) for user in rows if user.clinical]
    calls = [(user.pk, str(user)) for user in rows if not user.clinical]
    groups = [("Any task", every), (SCHEDULING_ONLY, calls)] if every and calls else [("", every + calls)]
    return groups, {pk for pk, _name in every}


def grouped_owners(field: forms.ModelChoiceField, users) -> set[int]:
    """`field` offers `users` grouped as owner_groups says; returns who may own any task."""
    groups, clinical = owner_groups(users)
    choices = [("", field.empty_label)] if field.empty_label is not None else []
    for label, people in groups:
        choices += [(label, people)] if label else people
    field.choices = choices
    return clinical


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class StartForm(VersionedForm):
    pass


class WaitForm(VersionedForm):
    reason = forms.ChoiceField(choices=[("", "Choose a reason"), *WaitingReason.choices])
    until = forms.DateField(label="Waiting until", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, task, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.longer_allowed = can_wait_longer(user, task)
        if not self.longer_allowed:
            limit = f"Within {WAIT_DAYS_AHEAD} days; a manager can set a longer wait."
            self.fields["until"].help_text = limit

    def clean_until(self):
        until = self.cleaned_data["until"]
        problem = waiting_until_problem(until, today=timezone.localdate(), longer_allowed=self.longer_allowed)
        if problem:
            raise forms.ValidationError(problem)
        return until


class ResumeForm(VersionedForm):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CompleteForm(VersionedForm):
    outcome = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    override_reason = forms.CharField(
        label="Complete before the step it waits for, because",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    cancel_earlier = forms.BooleanField(
        label="The earlier step is no longer needed: cancel it with this reason", required=False
    )

    def __init__(self, *args, task, user, **kwargs):
        """The override is offered only while the task waits for an open one, and only to those
        who may give it (a manager of the team); to anyone else the form says what to do first."""
        super().__init__(*args, **kwargs)
        before = task.depends_on if task.depends_on_id else None
        waiting_for = before is not None and before.status in OPEN_STATUSES
        if not (waiting_for and can_override_order(user, task)):
            del self.fields["override_reason"]
            del self.fields["cancel_earlier"]
        if waiting_for:
            self.waits_for = before


class CancelForm(VersionedForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(VersionedForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class ReassignForm(VersionedForm):
    to = forms.ModelChoiceField(label="New owner", queryset=User.objects.none())
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        # Only those who may own the task's kind: front desk is not offered a lab.
        self.fields["to"].queryset = may_own_kind(
            User.objects.filter(pk__in=user_ids_in_team(task.care_team_id), is_active=True)
            .exclude(pk=task.owner_id)
            .order_by("last_name", "first_name", "username"),
            task.kind,
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
        self.task = task
        if not user.has_perm("tasks.add_task"):  # front desk: scheduling and outreach, or as it is
            kinds = {*FRONT_DESK_KINDS, task.kind}
            self.fields["kind"].choices = [(k, label) for k, label in TaskKind.choices if k in kinds]

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on == self.task.due_on:
            return due_on
        today = timezone.localdate()
        if due_on < today:
            raise forms.ValidationError("The new due date cannot be in the past.")
        plan = self.task.care_plan
        problem = due_date_problem(due_on, today=today, plan_start=plan.starts_on if plan else None)
        if problem:
            raise forms.ValidationError(problem)
        return due_on


class NoteForm(forms.Form):
    """A note on the task's timeline. A call is logged as a contact attempt (ContactAttemptForm)."""

    body = forms.CharField(
        label="Note", widget=forms.Textarea(attrs={"rows": 2}), error_messages={"required": "Write the note."}
    )


class ContactAttemptForm(forms.Form):
    """A call or message to the patient: its outcome, what happened, and when to try again."""

    contact_outcome = forms.ChoiceField(
        label="Outcome",
        choices=ContactOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the attempt went."},
    )
    body = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    call_back_on = forms.DateField(
        label="Call back on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Creates the follow-up call, yours, due that day.",
    )
    close_task = forms.BooleanField(
        label="Close this task: the call back carries it on",
        required=False,
        initial=True,
        help_text="With a call back date: this task is completed, its outcome naming the call back.",
    )

    def __init__(self, *args, task, user, **kwargs):
        """Closing the task is offered to whoever may complete it (its owner, a manager)."""
        super().__init__(*args, **kwargs)
        if not can_work(user, task):
            del self.fields["close_task"]

    def clean_call_back_on(self):
        day = self.cleaned_data["call_back_on"]
        if day and day < timezone.localdate():
            raise forms.ValidationError("The call back date cannot be in the past.")
        if day and (problem := due_date_problem(day, today=timezone.localdate())):
            raise forms.ValidationError(problem)
        return day


class PatientNoteForm(forms.Form):
    body = forms.CharField(
        label="Note about the patient",
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Contact and scheduling context everyone who works with the patient sees, front "
        "desk included, e.g. prefers calls after 3 pm. No clinical detail: that stays in the EHR.",
        error_messages={"required": "Write the note."},
    )


class BulkForm(forms.Form):
    """Rows selected in the team queue, each as "id:version" (the version the page showed, so a
    row changed since is a conflict, as in the panel). The bulk bar's actions share one form:
    each action's own fields carry its prefix, the selection and the way back do not."""

    SHARED = ("task_ids", "next")

    task_ids = forms.MultipleChoiceField(choices=(), label="Tasks")
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            # Any id may be posted; the view only acts on the ones visible to the user.
            picked = self.data.getlist("task_ids")
            self.fields["task_ids"].choices = [(v, v) for v in picked if _SELECTED.fullmatch(v)]

    def add_prefix(self, field_name):
        return field_name if field_name in self.SHARED else super().add_prefix(field_name)

    def clean_task_ids(self) -> dict[int, int]:
        """{task id: the version the page showed}."""
        return {
            int(pk): int(version) for pk, version in (v.split(":") for v in self.cleaned_data["task_ids"])
        }


_SELECTED = re.compile(r"[0-9]{1,18}:[0-9]{1,9}")


class BulkReassignForm(BulkForm):
    to = forms.ModelChoiceField(label="New owner", queryset=User.objects.none())
    reason = forms.CharField(max_length=500)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = team_id_list(user)
        self.fields["to"].queryset = User.objects.filter(
            is_active=True, pk__in=member_ids_of(teams)
        ).order_by("last_name", "first_name", "username")

    @cached_property
    def owner_groups(self):
        """The bulk bar's owners, grouped by what they may own: the rows' kinds are known only
        once posted, and each row is then checked. Asked only when the bar is shown."""
        groups, _clinical = owner_groups(self.fields["to"].queryset)
        return groups


class BulkCancelForm(BulkForm):
    reason = forms.CharField(max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="cancel", **kwargs)


class BulkRescheduleForm(BulkForm):
    due_on = forms.DateField(label="New due date", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="reschedule", **kwargs)

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise forms.ValidationError("The new due date cannot be in the past.")
        return due_on


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

    def __init__(self, *args, team_id: int, plan_start, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan_start = plan_start
        self.fields["owner"].queryset = may_own_kind(
            User.objects.filter(pk__in=user_ids_in_team(team_id), is_active=True).order_by(
                "last_name", "first_name", "username"
            ),
            kind,
        )

    def clean(self):
        data = super().clean()
        if not data.get("include"):
            return data
        if not data.get("owner"):
            self.add_error("owner", "Choose who owns this task.")
        due_on = data.get("due_on")
        if due_on and (
            problem := due_date_problem(due_on, today=timezone.localdate(), plan_start=self.plan_start)
        ):
            self.add_error("due_on", problem)
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
        self.clinical_owner_ids = None
        if not user.has_perm("tasks.add_task"):
            self.fields["kind"].choices = [(k, TaskKind(k).label) for k in FRONT_DESK_KINDS]
        else:  # the kind is chosen here too: owners grouped by the kinds they may own
            self.clinical_owner_ids = grouped_owners(self.fields["owner"], self.fields["owner"].queryset)
        if user.has_perm("careplans.view_careplan"):
            self.fields["care_plan"].queryset = patient.care_plans.filter(
                status=CarePlanStatus.ACTIVE
            ).select_related("program")
        else:
            del self.fields["care_plan"]

    def clean(self):
        data = super().clean()
        kind, owner = data.get("kind"), data.get("owner")
        clinical = self.clinical_owner_ids
        if (
            clinical is not None
            and owner
            and kind
            and kind not in FRONT_DESK_KINDS
            and owner.pk not in clinical
        ):
            self.add_error(
                "owner",
                f"{owner} works scheduling and outreach calls only: choose an owner who works "
                f"clinical tasks for a {TaskKind(kind).label.lower()} task.",
            )
        due_on, plan = data.get("due_on"), data.get("care_plan")
        problem = due_on and due_date_problem(
            due_on, today=timezone.localdate(), plan_start=plan.starts_on if plan else None
        )
        if problem:
            self.add_error("due_on", problem)
        return data


class PlanClosingForm(forms.Form):
    """On the plan's edit page, when its status becomes completed or revoked."""

    cancel_open_tasks = forms.BooleanField(required=False, initial=True, label="Also cancel its open tasks")
    reason = forms.CharField(
        required=False,
        max_length=200,
        label="Why they end",
        help_text="Kept on each task's timeline, e.g. patient moved to another practice.",
    )


class TransferPickForm(forms.Form):
    """Which team a patient moves to: among the teams the user may move them to."""

    to_team = forms.ModelChoiceField(
        label="Move to", queryset=CareTeam.objects.none(), empty_label="Choose a team"
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_team"].queryset = teams


class TransferForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the patient's history and on the timeline of each task that changes owner.",
    )
    version = forms.CharField(widget=forms.HiddenInput)


class TransferOwnerForm(forms.Form):
    """One open task's owner in the new team: its members, each with their roles and open work."""

    owner = forms.TypedChoiceField(coerce=int, choices=())

    def __init__(self, *args, members, kind: str, **kwargs):
        """`members` carry `works_clinical` (tasks.intake.team_members): a task of a clinical
        kind is offered only to those who may own it."""
        super().__init__(*args, **kwargs)
        if kind not in FRONT_DESK_KINDS:
            members = [m for m in members if m.works_clinical]
        self.fields["owner"].choices = [
            ("", "Choose an owner"),
            *(
                (
                    m.pk,
                    f"{m} · {', '.join(g.name for g in m.groups.all()) or 'no role'} · {m.open_load} open now",
                )
                for m in members
            ),
        ]
