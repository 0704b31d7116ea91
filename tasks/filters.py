"""Queue filters. They narrow `Task.objects.visible_to(user)`; they never widen it."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from accounts.models import CareTeam, Location, User
from accounts.scope import member_ids_of, team_id_list
from careplans.models import Program, RiskLevel
from tasks import rowsets
from tasks.choices import Priority, Status, TaskKind

SORTS = [
    ("due_on", "Due date"),
    ("priority", "Priority"),
    ("patient__last_name", "Patient"),
    ("status", "Status"),
    ("kind", "Type"),
]


class TaskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Patient name or MRN", method="filter_patient")
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label="Status")
    kind = django_filters.MultipleChoiceFilter(choices=TaskKind.choices, label="Type")
    program = django_filters.ModelChoiceFilter(
        field_name="care_plan__program",
        queryset=Program.objects.all(),
        label="Program",
        null_label="No program (ad hoc)",
    )
    priority = django_filters.ChoiceFilter(choices=Priority.choices, label="Priority")
    risk = django_filters.ChoiceFilter(
        field_name="patient__risk_level", choices=RiskLevel.choices, label="Risk"
    )
    location = django_filters.ModelChoiceFilter(
        field_name="patient__location", queryset=Location.objects.all(), label="Location"
    )
    care_team = django_filters.ModelChoiceFilter(queryset=CareTeam.objects.none(), label="Care team")
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.none(), label="Owner")
    due = django_filters.ChoiceFilter(choices=rowsets.DueWindow.choices, method="filter_due", label="Due")
    due_on = django_filters.DateFromToRangeFilter(label="Due between")
    # Dashboard drill-down: the same row sets the dashboard counts with (tasks.rowsets).
    scope = django_filters.ChoiceFilter(
        choices=rowsets.Scope.choices, method="filter_scope", label="Whose work"
    )
    event = django_filters.ChoiceFilter(choices=rowsets.Event.choices, method="filter_event", label="Event")
    event_on = django_filters.DateFromToRangeFilter(method="filter_nothing", label="Event between")
    timeliness = django_filters.ChoiceFilter(
        choices=rowsets.Timeliness.choices, method="filter_timeliness", label="Completed"
    )
    reassigned = django_filters.BooleanFilter(method="filter_reassigned", label="Reassigned")
    sort = django_filters.OrderingFilter(fields=[(f, f) for f, _ in SORTS], field_labels=dict(SORTS))

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        teams = CareTeam.objects.filter(pk__in=team_id_list(request.user))
        self.filters["care_team"].queryset = teams
        # The active members of the user's teams, and whoever the URL asks for: a dashboard row
        # links to an owner who has since left the team or been deactivated, whose open tasks
        # are the ones a manager most needs listed. (The queue still lists visible tasks only.)
        owners = Q(is_active=True, pk__in=member_ids_of(teams))
        asked = (data or {}).get("owner", "")
        if isinstance(asked, str) and asked.isdigit():
            owners |= Q(pk=int(asked))
        self.filters["owner"].queryset = User.objects.filter(owners).order_by(
            "last_name", "first_name", "username"
        )

    def filter_patient(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(patient__mrn__iexact=value)
            | Q(patient__last_name__istartswith=value)
            | Q(patient__first_name__istartswith=value)
        )

    def filter_due(self, queryset, name, value):
        return rowsets.in_window(queryset, value, timezone.localdate())

    def filter_scope(self, queryset, name, value):
        return rowsets.in_scope(queryset, user=self.request.user, scope=value)

    def filter_event(self, queryset, name, value):
        window = self.form.cleaned_data.get("event_on")  # a slice of local datetimes, or None
        first = window.start.date() if window and window.start else None
        last = window.stop.date() if window and window.stop else None
        return rowsets.with_event(queryset, value, first, last)

    def filter_nothing(self, queryset, name, value):
        return queryset  # event_on only bounds `event`

    def filter_timeliness(self, queryset, name, value):
        return rowsets.with_timeliness(queryset, value)

    def filter_reassigned(self, queryset, name, value):
        return rowsets.reassigned(queryset) if value else queryset.exclude(rowsets.reassigned_q())

    def filter_queryset(self, queryset):
        # An unfiltered queue shows open work; asking for a status shows exactly that status, and
        # asking for an event (completed, closed, moved on) shows the tasks it happened to.
        data = self.form.cleaned_data
        if not data.get("status") and not data.get("event") and not data.get("timeliness"):
            queryset = queryset.filter(rowsets.OPEN)
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("sort"):
            queryset = queryset.order_by("due_on", "-priority", "pk")
        return queryset
