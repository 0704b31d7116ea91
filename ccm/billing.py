"""The billing export of a month: one row per patient and code, with its units, the rendering
provider, the minutes, the consent date and the plan's completeness. The same rows for the web
export (CSV), the printable pages and `manage.py ccm_report`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from careplans.models import Patient
from ccm import checklist, codes
from ccm.totals import FIGURES, consent_date_sq, month_patients

HEADER = [
    "month",
    "mrn",
    "last_name",
    "first_name",
    "birth_date",
    "code",
    "units",
    "minutes",
    "staff",
    "rendering_provider",
    "rendering_provider_name",
    "consent_date",
    "plan_complete",
    "plan_shared",
    "flags",
]


@dataclass(frozen=True)
class Row:
    patient: Patient
    line: codes.Line
    consent_date: dt.date | None
    plan: checklist.PlanState

    @property
    def flags(self) -> str:
        found = []
        if not self.plan.plan:
            found.append("no CCM care plan")
        elif not self.plan.complete:
            found.append("plan incomplete: " + ", ".join(self.plan.missing))
        if not self.plan.shared:
            found.append("plan not given to the patient")
        return "; ".join(found)

    def cells(self, month: dt.date) -> list:
        provider = self.patient.primary_provider
        return [
            f"{month:%Y-%m}",
            self.patient.mrn,
            self.patient.last_name,
            self.patient.first_name,
            self.patient.birth_date.isoformat(),
            self.line.code,
            self.line.units,
            self.line.minutes,
            "physician/QHP" if self.line.track == codes.Track.PHYSICIAN else "clinical staff",
            provider.username if provider else "",
            (provider.get_full_name() or provider.username) if provider else "",
            self.consent_date.isoformat() if self.consent_date else "",
            "yes" if self.plan.complete else "no",
            "yes" if self.plan.shared else "no",
            self.flags,
        ]


def billed_patients(patients, month: dt.date, *, provider: str | None = None) -> list[Patient]:
    """Patients of `patients` whose month earns a code, each with its sums: the month's figures
    in one query, then the patients they name in another."""
    if provider:
        patients = patients.filter(primary_provider__username=provider)
    rows = month_patients(patients, month, month).filter(
        Q(clinical__gte=min_minutes(month, codes.Track.NON_COMPLEX))
        | Q(physician__gte=min_minutes(month, codes.Track.PHYSICIAN))
    )
    figures = {row["pk"]: row for row in rows}
    found = list(
        Patient.objects.filter(pk__in=list(figures))
        .annotate(consent_date=consent_date_sq(month))
        .select_related("primary_provider")
        .order_by("last_name", "first_name", "pk")
    )
    for patient in found:
        for name in FIGURES:
            setattr(patient, name, figures[patient.pk][name])
    return found


def min_minutes(month: dt.date, track: str) -> int:
    base, _ = codes.rules_for(month).track(track)
    return base.minutes


def rows_for(patients, month: dt.date, *, provider: str | None = None) -> list[Row]:
    """The export's rows: four queries whatever the number of patients."""
    billed = billed_patients(patients, month, provider=provider)
    states = checklist.states_for([p.pk for p in billed])
    rows = []
    for patient in billed:
        lines = codes.bill(
            month, clinical=patient.clinical, physician=patient.physician, complex_plan=patient.is_complex
        )
        rows.extend(Row(patient, line, patient.consent_date, states[patient.pk]) for line in lines)
    return rows
