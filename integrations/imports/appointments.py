"""Appointments: upserted by (source, external id). Each change goes through the scheduling feed
(integrations.scheduling), so the work dated from an appointment follows it."""

from __future__ import annotations

from careplans.models import Appointment, AppointmentStatus
from integrations.imports.base import CREATE, PATIENT_FIELDS, UNCHANGED, UPDATE, Field, Handler, Row
from integrations.imports.values import parse_choice, parse_datetime, text
from integrations.scheduling import AppointmentState, appointment_changed

STATUS_ALIASES = {
    "scheduled": "booked",
    "confirmed": "booked",
    "pending": "booked",
    "checked in": "arrived",
    "checked-in": "arrived",
    "completed": "fulfilled",
    "seen": "fulfilled",
    "canceled": "cancelled",
    "no show": "noshow",
    "no-show": "noshow",
    "dna": "noshow",
}


class AppointmentHandler(Handler):
    kind = "appointments"
    fields = (
        Field(
            "external_id",
            "Appointment id",
            required=True,
            aliases=("appointmentid", "externalid", "apptid", "id", "encounterid", "visitid"),
        ),
        PATIENT_FIELDS[0],
        PATIENT_FIELDS[1],
        Field(
            "starts_at",
            "Date and time",
            required=True,
            aliases=(
                "startsat",
                "start",
                "appointmentdate",
                "apptdate",
                "date",
                "datetime",
                "appointmentdatetime",
                "starttime",
            ),
        ),
        Field("time", "Time (if apart)", aliases=("time", "appttime", "appointmenttime")),
        Field(
            "kind",
            "Visit type",
            aliases=("kind", "type", "visittype", "appointmenttype", "appttype", "reason"),
        ),
        Field(
            "provider", "Provider", aliases=("provider", "appointmentprovider", "renderingprovider", "doctor")
        ),
        Field("status", "Status", aliases=("status", "appointmentstatus", "apptstatus")),
    )
    needs = (("external_id",), ("mrn", "ehr_id"), ("starts_at",))
    key_fields = (("external_id",), ("mrn", "ehr_id"))
    key_labels = ("Appointment id", "MRN")
    rules = (
        "Each row is matched by its appointment id within this source: a new id adds an appointment, "
        "a known one updates it. An appointment id may appear once in a file.",
        "The patient is found by MRN (or EHR id) among the patients of the teams you work in; "
        "restricted patients only if they were granted to you. Otherwise the row is refused.",
        "Moving an appointment moves the open tasks dated from it (their timeline says why); "
        "cancelling it tells those tasks' owners; a no-show creates the plan's missed-appointment "
        "outreach task, if its template has one.",
        "A deceased patient gets no appointment that is still to happen: such a row is refused.",
    )

    def check(self, rows: list[Row]) -> None:
        self.find_patients(rows)
        ids = [str(r.get("external_id")) for r in rows if r.get("external_id")]
        existing = {
            a.external_id: a for a in Appointment.objects.filter(source=self.source, external_id__in=ids)
        }
        for row in rows:
            self._check_row(row, existing)

    def _check_row(self, row: Row, existing) -> None:
        external_id = row.parse("external_id", text, max_length=80, what="The appointment id")
        if not external_id:
            row.error("external_id", "No appointment id: the scheduling system's id makes a re-import safe.")
            return
        self.once_in_file(row, external_id, "external_id", "This appointment id")
        starts_at = row.parse("starts_at", parse_datetime, row.get("time"))
        if not row.get("starts_at"):
            row.error("starts_at", "No date and time.")
        values = {"starts_at": starts_at}
        if row.get("kind"):
            values["kind"] = row.parse("kind", text, max_length=80, what="The visit type")
        if row.get("provider"):
            values["provider"] = row.parse("provider", self.names.person)
        values["status"] = (
            row.parse("status", parse_choice, AppointmentStatus, aliases=STATUS_ALIASES)
            if row.get("status")
            else None
        )
        if row.refused or row.patient is None:
            return
        appointment = existing.get(external_id)
        if appointment is not None and appointment.patient_id != row.patient.pk:
            row.error("mrn", "This appointment id belongs to another patient's appointment.")
            return
        if appointment is None:
            values["status"] = values["status"] or AppointmentStatus.BOOKED
            appointment = Appointment(patient=row.patient, source=self.source, external_id=external_id)
            before = None
            row.action = CREATE
        else:
            before = AppointmentState.of(appointment)
        values = {k: v for k, v in values.items() if v is not None}
        changed = [k for k, v in values.items() if getattr(appointment, k, None) != v]
        for name in changed:
            setattr(appointment, name, values[name])
        if row.action != CREATE:
            row.action = UPDATE if changed else UNCHANGED
        if (
            row.patient.deceased_on
            and appointment.status == AppointmentStatus.BOOKED
            and appointment.starts_at.date() > row.patient.deceased_on
            and row.action != UNCHANGED
        ):
            row.error("mrn", "The patient is deceased: no appointment after the date of death.")
            return
        row.payload = (appointment, before)
        row.shown.update(
            {
                "Appointment id": external_id,
                "When": f"{appointment.starts_at:%m/%d/%Y %H:%M}",
                "Status": appointment.get_status_display(),
                "Changes": ", ".join(changed) if row.action == UPDATE else "",
            }
        )

    def write(self, rows: list[Row]) -> None:
        for row in rows:
            if row.action not in (CREATE, UPDATE):
                continue
            appointment, before = row.payload
            appointment._history_user = self.by
            appointment._change_reason = self.reason
            appointment.save()
            appointment_changed(before, appointment, by=self.by, reason=self.reason)
