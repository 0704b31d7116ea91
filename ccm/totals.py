"""Reads: a month's billable minutes per patient, the CCM worklist, its tiles, and the billing
export's rows. A patient's month is summed once, when its entries or consents change
(MonthTotal, kept by recount), so the worklist reads one row per patient: a page costs the same
few queries for 20 patients or 20,000."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

from bulksql import id_set
from careplans.models import Patient
from ccm import checklist, codes
from ccm.models import Consent, MonthTotal, PlanChecklist, StaffCategory, TimeEntry
from ccm.months import days_left, next_month

# Two numbers from issue 14, on purpose: the worklist's order casts a wider net than the tile's
# count. The pages say which is which from these constants (never a literal in a template).
CLOSE = 8  # the worklist puts first who has time and is this close to a threshold (12-19 of 20)
NEAR = 5  # the dashboard tile and the worklist's "near" list: 1 to this many minutes short
MONTH_ENDING_DAYS = 10  # zero minutes with this few days left: first too


def recount(patient_id: int) -> None:
    """The patient's MonthTotal rows, from their billable entries: after any write to their
    entries or consents, in the same transaction (two queries and an insert)."""
    sums = (
        TimeEntry.objects.filter(patient_id=patient_id, billable=True)
        .annotate(month=TruncMonth("performed_on"))
        .values("month")
        .annotate(
            clinical=Coalesce(Sum("minutes", filter=Q(staff_category=StaffCategory.CLINICAL)), 0),
            physician=Coalesce(Sum("minutes", filter=Q(staff_category=StaffCategory.PHYSICIAN)), 0),
        )
        .order_by("month")
    )
    rows = [
        MonthTotal(
            patient_id=patient_id,
            month=_as_date(r["month"]),
            clinical=r["clinical"],
            physician=r["physician"],
        )
        for r in sums
    ]
    MonthTotal.objects.filter(patient_id=patient_id).delete()
    MonthTotal.objects.bulk_create(rows)


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def consented_in(month: dt.date) -> Q:
    """Patients with a consent covering some day of `month`."""
    overlapping = Consent.objects.filter(patient=OuterRef("pk"), consented_on__lt=next_month(month)).filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=month)
    )
    return Q(Exists(overlapping))


def _next_threshold_sql(month: dt.date, minutes, complex_flag):
    """codes.next_threshold in SQL, from the same table: listed thresholds, then the complex
    track's steps when the plan is complex, else none (capped)."""
    plain, _, _ = codes.clinical_steps(month, complex_plan=False)
    listed, start, step = codes.clinical_steps(month, complex_plan=True)
    plain_case = Case(
        *[When(**{"clinical__lt": t}, then=Value(t)) for t in plain],
        default=Value(None),
        output_field=IntegerField(),
    )
    complex_case = Case(
        *[When(**{"clinical__lt": t}, then=Value(t)) for t in listed],
        default=Value(start) + ((minutes - Value(start)) / Value(step) + Value(1)) * Value(step),
        output_field=IntegerField(),
    )
    return Case(When(complex_flag, then=complex_case), default=plain_case, output_field=IntegerField())


def complex_patient_ids() -> list[int]:
    """Patients whose current CCM plan is marked complex: the few plans marked complex first,
    then those plans by key (two short queries; joined in one, PostgreSQL misjudged the join and
    read every CCM plan of the practice to find the few it needed)."""
    plan_ids = list(PlanChecklist.objects.filter(is_complex=True).values_list("care_plan_id", flat=True))
    if not plan_ids:
        return []
    plans = checklist.ccm_plans().filter(pk__in=id_set(plan_ids), status__in=checklist.CURRENT)
    return sorted(set(plans.values_list("patient_id", flat=True)))


def month_patients(patients, month: dt.date, today: dt.date, *, fields=("pk",), complex_ids=None):
    """`patients` (a Patient queryset) consented in `month`, each with its billable clinical and
    physician minutes, whether its CCM plan is complex, the next clinical threshold, the minutes
    to it, and a sort bucket: close to a threshold first, then none yet with the month ending,
    then by minutes to go, those capped last. Rows are dicts of `fields` and those figures,
    grouped by `fields` alone: a page loads its patients afterwards, by id."""
    of_month = Q(ccm_month_totals__month=month)
    # The patients whose CCM plan is complex, as one array parameter (bulksql.id_set): a set the
    # database hashes once and the query tests several times per row (thresholds, sort), where
    # an EXISTS would run again each time, and a literal list of thousands of ids cost more to
    # send than to run.
    if complex_ids is None:
        complex_ids = complex_patient_ids()
    is_complex = Q(pk__in=id_set(complex_ids, using=patients.db))
    ending = days_left(month, today) <= MONTH_ENDING_DAYS
    rows = (
        patients.filter(consented_in(month))
        .annotate(month_total=FilteredRelation("ccm_month_totals", condition=of_month))
        .values(*fields)
        .annotate(
            clinical=Coalesce(F("month_total__clinical"), 0),
            physician=Coalesce(F("month_total__physician"), 0),
            is_complex=ExpressionWrapper(is_complex, output_field=BooleanField()),
        )
    )
    rows = rows.annotate(next_threshold=_next_threshold_sql(month, F("clinical"), is_complex))
    rows = rows.annotate(to_next=F("next_threshold") - F("clinical"))
    zero_ending = [When(clinical=0, physician=0, then=Value(1))] if ending else []
    return rows.annotate(
        bucket=Case(
            When(clinical__gt=0, to_next__lte=CLOSE, then=Value(0)),
            *zero_ending,
            When(next_threshold__isnull=False, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    )


SHOWS = {
    "billable": Q(clinical__gte=20) | Q(physician__gte=30),
    "near": Q(to_next__gte=1, to_next__lte=NEAR),
    "none": Q(clinical=0, physician=0),
}


def _billable_q(month: dt.date) -> Q:
    """Some code earned: the smallest base of any track reached."""
    rule_set = codes.rules_for(month)
    clinical, _ = rule_set.track(codes.Track.NON_COMPLEX)
    physician, _ = rule_set.track(codes.Track.PHYSICIAN)
    return Q(clinical__gte=clinical.minutes) | Q(physician__gte=physician.minutes)


def shows(month: dt.date) -> dict[str, Q]:
    return {"billable": _billable_q(month), "near": SHOWS["near"], "none": SHOWS["none"]}


def for_worklist(user, month: dt.date, today: dt.date, show: str | None = None, *, complex_ids=None):
    """The worklist's rows in order (dicts: pk, names, figures); the page loads its patients."""
    rows = month_patients(
        Patient.objects.visible_to(user),
        month,
        today,
        fields=("pk", "last_name", "first_name"),
        complex_ids=complex_ids,
    )
    if show in SHOWS:
        rows = rows.filter(shows(month)[show])
    return rows.order_by("bucket", "to_next", "last_name", "first_name", "pk")


FIGURES = ("clinical", "physician", "is_complex", "next_threshold", "to_next", "bucket")


def with_patients(rows: list[dict]) -> list[Patient]:
    """The page's rows as Patient objects (one query), each carrying its figures."""
    patients = Patient.objects.select_related("care_team").in_bulk([row["pk"] for row in rows])
    found = []
    for row in rows:
        patient = patients[row["pk"]]
        for name in FIGURES:
            setattr(patient, name, row[name])
        found.append(patient)
    return found


@dataclass(frozen=True)
class Tiles:
    consented: int
    billable: int
    near: int
    none: int


def tiles(user, month: dt.date, today: dt.date, *, complex_ids=None) -> Tiles:
    """The dashboard's CCM tiles in one query (and one for `complex_ids` if not given)."""
    rows = month_patients(Patient.objects.visible_to(user), month, today, complex_ids=complex_ids)
    found = shows(month)
    counts = rows.aggregate(
        consented=Count("pk"),
        billable=Count("pk", filter=found["billable"]),
        near=Count("pk", filter=found["near"]),
        none=Count("pk", filter=found["none"]),
    )
    return Tiles(**counts)


def patient_month(patient: Patient, month: dt.date) -> dict:
    """One patient's month: billable minutes per category, and all minutes (what was billed
    and what was not, before consent or after its revocation)."""
    entries = TimeEntry.objects.filter(patient=patient).in_month(month)
    sums = entries.aggregate(
        clinical=Coalesce(Sum("minutes", filter=Q(billable=True, staff_category=StaffCategory.CLINICAL)), 0),
        physician=Coalesce(
            Sum("minutes", filter=Q(billable=True, staff_category=StaffCategory.PHYSICIAN)), 0
        ),
        unbillable=Coalesce(Sum("minutes", filter=Q(billable=False)), 0),
    )
    return sums


def consent_and_month(patient_id: int, month: dt.date) -> dict:
    """Whether the patient has an open consent, and their billable minutes of `month` per staff
    category (MonthTotal), in one query: the task panel's timer line."""
    of_month = MonthTotal.objects.filter(patient=OuterRef("pk"), month=month)
    return (
        Patient.objects.filter(pk=patient_id)
        .values(
            consented=Exists(Consent.objects.filter(patient=OuterRef("pk"), revoked_on__isnull=True)),
            clinical=Coalesce(Subquery(of_month.values("clinical")), 0),
            physician=Coalesce(Subquery(of_month.values("physician")), 0),
        )
        .get()
    )


def consent_date_sq(month: dt.date):
    return Subquery(
        Consent.objects.filter(patient=OuterRef("pk"), consented_on__lt=next_month(month))
        .order_by("-consented_on")
        .values("consented_on")[:1]
    )
