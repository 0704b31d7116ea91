"""The audit: who viewed (the access log) or changed (the timeline) which patient, when. Compliance
reviews the whole practice, a manager the teams they manage (scope by right, never by role name).

At ten million log rows a page must not count or skip rows: it is read newest first from an
index that serves its filter (user, patient, reason or team, each with the date range: the
access log's Meta), and pages by keyset, "older than this row", never by OFFSET."""

import datetime
from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.scope import team_rights
from careplans.models import AccessOutcome, AccessReason, Patient, PatientAccessLog
from careplans.search import search_patients
from tasks.models import Activity

PAGE_SIZE = 50
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)
VIEWS, CHANGES = "views", "changes"


def sees_practice(user) -> bool:
    return user.has_perm("careplans.review_practice_access_log")


def _scoped(queryset, user):
    """The rows a reviewer may read: every row for Compliance; a manager's teams' patients' rows
    otherwise (bulk exports, which name no one patient, are Compliance's). The teams as a literal
    list (accounts.scope.team_id_list says why): behind a subquery, PostgreSQL joined a user's
    ten million rows' index with the teams' and took 900 ms where the user's index alone takes 1."""
    if sees_practice(user):
        return queryset
    return queryset.filter(care_team_id__in=team_rights(user)["manage"])


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AuditForm(forms.Form):
    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("“From” is after “To”: swap the dates.")
        return data


class AuditFilter(django_filters.FilterSet):
    """The same filters on either list; `time` and `actor` name the list's own columns. Each
    looks its user or patient up once, as a scalar subquery, so the list reads one index."""

    user = django_filters.CharFilter(label="User (username or name)", method="filter_user")
    patient = django_filters.CharFilter(label="Patient (MRN, name or birth date)", method="filter_patient")
    date_from = django_filters.DateFilter(
        label="From", method="filter_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label="To", method="filter_to", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = django_filters.ChoiceFilter(choices=AccessReason.choices, empty_label="Any reason")
    outcome = django_filters.ChoiceFilter(choices=AccessOutcome.choices, empty_label="Shown or refused")

    time = "viewed_at"
    actor = "user_id"

    class Meta:
        form = AuditForm

    def filter_user(self, queryset, name, value):
        """A username exactly, else whoever the words name ("Casey Rivera", "rivera"): the few
        staff it finds, as a list, so the log is still read by its user index."""
        value = value.strip()
        found = list(User.objects.filter(username__iexact=value).values_list("pk", flat=True)[:1])
        if not found:
            words = Q()
            for word in value.split():
                words &= Q(first_name__istartswith=word) | Q(last_name__istartswith=word)
            found = list(User.objects.filter(words).values_list("pk", flat=True)[:50])
        return queryset.filter(**{f"{self.actor}__in": found})

    def filter_patient(self, queryset, name, value):
        """An MRN exactly, else the patient search's rules (careplans.search): a name either way,
        a date of birth. At most 50 patients, as a list: the log is read by its patient index."""
        value = value.strip()
        found = list(Patient.objects.filter(mrn__iexact=value).values_list("pk", flat=True)[:1])
        if not found:
            found = list(search_patients(Patient.objects.all(), value).values_list("pk", flat=True)[:50])
        return queryset.filter(patient_id__in=found)

    def filter_from(self, queryset, name, value):
        return queryset.filter(**{f"{self.time}__gte": _day_start(value)})

    def filter_to(self, queryset, name, value):
        return queryset.filter(**{f"{self.time}__lt": _day_start(value + datetime.timedelta(days=1))})


class ChangeFilter(AuditFilter):
    """The timeline's changes: no reason or outcome, only who and when."""

    reason = None
    outcome = None
    time = "created_at"
    actor = "actor_id"


def access_rows(user, data):
    """The filtered access log the user may review (its FilterSet, for the form and errors)."""
    base = _scoped(PatientAccessLog.objects.select_related("user", "patient"), user)
    return AuditFilter(data, queryset=base)


def change_rows(user, data):
    base = _scoped(
        Activity.objects.select_related("actor", "patient", "task").order_by("-created_at", "-id"), user
    )
    return ChangeFilter(data, queryset=base)


@dataclass
class AuditPage:
    rows: list
    older: str  # the cursor of the next (older) page, "" at the end


def page_of(queryset, *, time: str, before: str) -> AuditPage:
    """PAGE_SIZE rows older than the cursor `before` ("<epoch microseconds>.<id>" of the last row
    shown; empty or unreadable: the newest). One query, an index range scan however deep."""
    cursor = _parse(before)
    if cursor:
        at, pk = cursor
        queryset = queryset.filter(
            Q(**{f"{time}__lt": at}) | Q(**{time: at, "id__lt": pk}), **{f"{time}__lte": at}
        )
    rows = list(queryset[: PAGE_SIZE + 1])
    older = ""
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        last = rows[-1]
        stamp = getattr(last, time)
        older = f"{(stamp - EPOCH) // MICROSECOND}.{last.pk}"
    return AuditPage(rows=rows, older=older)


def _parse(before: str):
    try:
        micros, pk = (int(part) for part in before.split("."))
        return EPOCH + micros * MICROSECOND, pk
    except (ValueError, OverflowError):
        return None
