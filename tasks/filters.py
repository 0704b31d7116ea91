"""Queue filters. They narrow `Task.objects.visible_to(user)`; they never widen it."""

import django_filters
from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django_filters.fields import DateRangeField, ModelMultipleChoiceField, RangeField
from django_filters.widgets import DateRangeWidget, SuffixedMultiWidget

from accounts.models import CareTeam, Location, User
from accounts.scope import member_ids_of, team_id_list
from careplans.dates import validate_in_calendar
from careplans.models import Patient, Program, RiskLevel
from careplans.search import search_patients
from tasks import rowsets
from tasks.choices import Priority, Status, TaskKind

SORTS = [
    ("due_on", "Due date"),
    ("priority", "Priority"),
    ("patient__last_name", "Patient"),
    ("status", "Status"),
    ("kind", "Type"),
]


TIEBREAK = ("due_on", "pk")
# The form's first line; the rest fold under "More filters", the dashboard's own under
# "Dashboard drill-down filters" (a coordinator rarely sets those by hand).
PRIMARY = ("q", "status", "kind", "owner")
DRILLDOWN = ("scope", "event", "event_on", "timeliness", "reassigned")
# A task has one status, type and owner: the OR of a few values needs no DISTINCT.
CHECKBOXES = {"widget": forms.CheckboxSelectMultiple, "distinct": False}
DATES = DateRangeWidget(attrs={"type": "date"})


def is_id(value) -> bool:
    """Up to 18 digits (as config.converters): a longer number is past a bigint, an error from
    the database in an IN (...) list, where Django's own out-of-range check does not apply."""
    return isinstance(value, str) and value.isdigit() and len(value) <= 18


class IdsField(ModelMultipleChoiceField):
    """Several objects by id; one past a bigint is an invalid choice like any unknown id."""

    def _check_values(self, value):
        for pk in value:
            if not is_id(str(pk)):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)


class IdsFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = IdsField


class CalendarDateRangeField(DateRangeField):
    """A date range whose ends fall in careplans.dates' calendar: year 1 or 9999 is a field
    error, never a day's arithmetic past the calendar's end."""

    def __init__(self, *args, **kwargs):
        ends = (forms.DateField(validators=[validate_in_calendar]) for _ in range(2))
        RangeField.__init__(self, tuple(ends), *args, **kwargs)


class CalendarDateRangeFilter(django_filters.DateFromToRangeFilter):
    field_class = CalendarDateRangeField


class TaskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Patient",
        method="filter_patient",
        widget=forms.TextInput(attrs={"placeholder": "Name, MRN, date of birth or phone"}),
    )
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label="Status", **CHECKBOXES)
    kind = django_filters.MultipleChoiceFilter(choices=TaskKind.choices, label="Type", **CHECKBOXES)
    owner = IdsFilter(queryset=User.objects.none(), label="Owner", **CHECKBOXES)
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
    due = django_filters.ChoiceFilter(choices=rowsets.DueWindow.choices, method="filter_due", label="Due")
    due_on = CalendarDateRangeFilter(label="Due between", widget=DATES)
    # Dashboard drill-down: the same row sets the dashboard counts with (tasks.rowsets).
    scope = django_filters.ChoiceFilter(
        choices=rowsets.Scope.choices, method="filter_scope", label="Whose work"
    )
    event = django_filters.ChoiceFilter(choices=rowsets.Event.choices, method="filter_event", label="Event")
    event_on = CalendarDateRangeFilter(method="filter_nothing", label="Event between", widget=DATES)
    timeliness = django_filters.ChoiceFilter(
        choices=rowsets.Timeliness.choices, method="filter_timeliness", label="Completed"
    )
    reassigned = django_filters.BooleanFilter(method="filter_reassigned", label="Reassigned")
    sort = django_filters.OrderingFilter(
        fields=[(f, f) for f, _ in SORTS], field_labels=dict(SORTS), label="Sort by"
    )

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        teams = CareTeam.objects.filter(pk__in=team_id_list(request.user))
        self.filters["care_team"].queryset = teams
        # The active members of the user's teams, and whoever the URL asks for: a dashboard row
        # links to an owner who has since left the team or been deactivated, whose open tasks
        # are the ones a manager most needs listed. (The queue still lists visible tasks only.)
        owners = Q(is_active=True, pk__in=member_ids_of(teams))
        asked = [pk for pk in (data or QueryDict()).getlist("owner") if is_id(pk)]
        if asked:
            owners |= Q(pk__in=asked)
        self.filters["owner"].queryset = (
            User.objects.filter(owners)
            .only("pk", "username", "first_name", "last_name")
            .order_by("last_name", "first_name", "username")
        )

    def _fields(self, names, *, among: bool):
        return [field for field in self.form if (field.name in names) == among]

    @property
    def primary_fields(self):
        return self._fields(PRIMARY, among=True)

    @property
    def more_fields(self):
        return self._fields((*PRIMARY, *DRILLDOWN), among=False)

    @property
    def drilldown_fields(self):
        return self._fields(DRILLDOWN, among=True)

    def _params(self) -> list[tuple[str, str]]:
        """(filter name, query parameter) for each parameter the form reads, a date range's two."""
        params = []
        for name, field in self.form.fields.items():
            widget = field.widget
            suffixes = widget.suffixes if isinstance(widget, SuffixedMultiWidget) else [""]
            params.extend((name, widget.suffixed(name, s) if s else name) for s in suffixes)
        return params

    def _set(self) -> list[str]:
        """The filters the query string sets, in form order. An empty field (every Apply sends
        them all) sets nothing, nor does a Reassigned of "Unknown"; a refused value is not set."""
        self.form.is_valid()  # cleaned_data: the valid fields
        cleaned = getattr(self.form, "cleaned_data", {})
        data = self.data or QueryDict()
        given = {name for name, param in self._params() if any(v.strip() for v in data.getlist(param))}
        return [name for name in self.form.fields if name in given and cleaned.get(name) is not None]

    @property
    def more_open(self) -> bool:
        """Whether "More filters" starts open: one of its filters is set (sorting aside: the
        table's headings set it), or it has an error to show."""
        folded = set(self._set()) | set(self.form.errors)
        return bool(folded - {*PRIMARY, "sort"})

    @property
    def drilldown_open(self) -> bool:
        return any(name in DRILLDOWN for name in self._set())

    def querystring(self) -> str:
        """The query string of the filters set, and nothing else (no page, no empty field, no
        parameter the form does not read), in the form's order: what a saved filter keeps."""
        data = self.data or QueryDict()
        chosen = set(self._set())
        query = QueryDict(mutable=True)
        for name, param in self._params():
            if name in chosen:
                for value in data.getlist(param):
                    if value.strip():
                        query.appendlist(param, value.strip())
        return query.urlencode()

    def filter_patient(self, queryset, name, value):
        """The header search's rules (careplans.search): names either way, "Last, First", part
        of the MRN, a date of birth, a phone number. The tasks are scoped already."""
        if not value.strip():
            return queryset
        return queryset.filter(patient__in=search_patients(Patient.objects.all(), value).values("pk"))

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
        # Ties broken by due date and id, so pages neither repeat nor skip a row; each order is
        # an index the first page is read from (tasks.models, task_open_*_order_idx).
        order = list(self.form.cleaned_data.get("sort") or ["due_on", "-priority"])
        order += [key for key in TIEBREAK if key not in order and f"-{key}" not in order]
        return queryset.order_by(*order)
