"""Enrollments, and care plans made from templates (a payer's care-gap list: a template and a
start date per patient), applied through intake exactly as the intake page applies them, so the
tasks get the same owners and due dates."""

from __future__ import annotations

import uuid

from django.utils import timezone

from careplans.dates import due_date_problem, plan_end_problem, plan_start_problem
from careplans.models import CarePlan, CarePlanTemplate, Enrollment, EnrollmentStatus
from integrations.imports.base import CREATE, PATIENT_FIELDS, UNCHANGED, UPDATE, Field, Handler, Row
from integrations.imports.values import BadValue, parse_choice, parse_date
from tasks.actions import ActionError
from tasks.intake import active_plan, apply_template, preview

# Import keys live in their own namespace: the same patient, template and start make the same key
# on every run, so a second run finds the plan the first made (tasks.intake's intake_key).
PLAN_KEYS = uuid.UUID("5b0c6a53-6f1f-4d55-9d0e-6d4f1d2b8f13")


class EnrollmentHandler(Handler):
    kind = "enrollments"
    fields = (
        PATIENT_FIELDS[0],
        PATIENT_FIELDS[1],
        Field("program", "Program", required=True, aliases=("program", "programname", "programcode")),
        Field(
            "started_on",
            "Start date",
            required=True,
            aliases=("startedon", "start", "startdate", "enrolled", "enrollmentdate", "enrolledon"),
        ),
        Field(
            "ended_on", "End date", aliases=("endedon", "end", "enddate", "disenrolled", "disenrollmentdate")
        ),
        Field("status", "Status", aliases=("status", "enrollmentstatus")),
    )
    needs = (("mrn", "ehr_id"), ("program",), ("started_on",))
    key_fields = (("mrn", "ehr_id"), ("program",))
    key_labels = ("MRN", "Program")
    rules = (
        "Each row is matched by patient, program and start date: a new one enrolls the patient, a known "
        "one updates its end date and status. The same enrollment may appear once in a file.",
        "A patient already in an active enrollment of the program from another date is refused "
        "(end that enrollment first).",
        "Patients of teams you do not work in, and restricted patients not granted to you, are refused.",
        "A deceased patient is given no new active enrollment.",
    )

    def check(self, rows: list[Row]) -> None:
        self.find_patients(rows)
        patients = [r.patient.pk for r in rows if r.patient]
        existing = {}
        for e in Enrollment.objects.filter(patient__in=patients):
            existing[(e.patient_id, e.program_id, e.started_on)] = e
            if e.status == EnrollmentStatus.ACTIVE:
                existing[(e.patient_id, e.program_id, "active")] = e
        for row in rows:
            self._check_row(row, existing)

    def _check_row(self, row: Row, existing) -> None:
        program = row.parse("program", self.names.program)
        started = row.parse("started_on", parse_date)
        ended = row.parse("ended_on", parse_date)
        for name in ("program", "started_on"):
            if not row.get(name):
                row.error(name, f"No {dict((f.name, f.label) for f in self.fields)[name].lower()}.")
        status = (
            row.parse(
                "status",
                parse_choice,
                EnrollmentStatus,
                aliases={"inactive": "ended", "disenrolled": "ended"},
            )
            if row.get("status")
            else (EnrollmentStatus.ENDED if ended else EnrollmentStatus.ACTIVE)
        )
        if started and ended and ended < started:
            row.error("ended_on", "The enrollment ends before it starts.")
        if row.refused or row.patient is None:
            return
        self.once_in_file(row, (row.patient.pk, program.pk, started), "program", "This enrollment")
        enrollment = existing.get((row.patient.pk, program.pk, started))
        if enrollment is None:
            other = existing.get((row.patient.pk, program.pk, "active"))
            if status == EnrollmentStatus.ACTIVE and other is not None:
                row.error("started_on", f"Already enrolled in {program} since {other.started_on:%m/%d/%Y}.")
                return
            if status == EnrollmentStatus.ACTIVE and row.patient.deceased_on:
                row.error("mrn", "The patient is deceased: no new enrollment.")
                return
            enrollment = Enrollment(patient=row.patient, program=program, started_on=started)
            row.action = CREATE
        changed = [k for k, v in {"ended_on": ended, "status": status}.items() if getattr(enrollment, k) != v]
        enrollment.ended_on, enrollment.status = ended, status
        if row.action != CREATE:
            row.action = UPDATE if changed else UNCHANGED
        row.payload = enrollment
        row.shown.update(
            {
                "Program": str(program),
                "Start": f"{started:%m/%d/%Y}",
                "Status": enrollment.get_status_display(),
            }
        )

    def write(self, rows: list[Row]) -> None:
        for row in rows:
            if row.action in (CREATE, UPDATE):
                row.payload._history_user = self.by
                row.payload._change_reason = self.reason
                row.payload.save()


class CarePlanHandler(Handler):
    kind = "careplans"
    fields = (
        PATIENT_FIELDS[0],
        PATIENT_FIELDS[1],
        Field(
            "template",
            "Template",
            required=True,
            aliases=("template", "templatename", "careplan", "plan", "gap", "caregap", "measure"),
        ),
        Field("program", "Program", aliases=("program", "programname")),
        Field(
            "starts_on",
            "Start date",
            required=True,
            aliases=("startson", "start", "startdate", "planstart", "date"),
        ),
        Field("ends_on", "End date", aliases=("endson", "end", "enddate", "planend")),
    )
    needs = (("mrn", "ehr_id"), ("template",), ("starts_on",))
    key_fields = (("mrn", "ehr_id"), ("template",))
    key_labels = ("MRN", "Template")
    rules = (
        "Each row applies a template to a patient from its start date, exactly as the care plan "
        "intake page does: the tasks get the same owners (by role, in the patient's team) and due dates.",
        "A patient who already has an active plan from the template is left as is (unchanged); "
        "running the same file again changes nothing.",
        "A template is named as the admin named it; where two programs have a template of that name, "
        "a Program column says which. An unknown program or template refuses the row.",
        "Deceased patients are given no new plan; patients of teams you do not work in, and restricted "
        "patients not granted to you, are refused.",
        "A step nobody in the team can own, or a date outside the plan's window, refuses the row.",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.templates: dict[str, list[CarePlanTemplate]] = {}
        for template in CarePlanTemplate.objects.filter(is_active=True).select_related("program"):
            self.templates.setdefault(template.name.casefold(), []).append(template)

    def _template(self, row: Row):
        program = row.parse("program", self.names.program) if row.get("program") else None
        name = str(row.get("template") or "")
        found = [
            t
            for t in self.templates.get(name.casefold(), [])
            if program is None or t.program_id == program.pk
        ]
        if row.get("program") and program is None:
            return None
        if not found:
            row.error(
                "template",
                f"“{name}” is no active care plan template" + (f" of {program}." if program else "."),
            )
            return None
        if len(found) > 1:
            row.error(
                "template",
                f"Programs {', '.join(str(t.program) for t in found)} each have “{name}”: add a Program column.",
            )
            return None
        return found[0]

    def check(self, rows: list[Row]) -> None:
        self.find_patients(rows)
        today = timezone.localdate()
        for row in rows:
            template = self._template(row) if row.get("template") else None
            if not row.get("template"):
                row.error("template", "No template.")
            starts_on = row.parse("starts_on", parse_date)
            if not row.get("starts_on"):
                row.error("starts_on", "No start date.")
            ends_on = row.parse("ends_on", parse_date)
            problem = (starts_on and plan_start_problem(starts_on, today=today)) or (
                ends_on and plan_end_problem(ends_on, today=today)
            )
            if problem:
                row.error(
                    "ends_on" if ends_on and not plan_start_problem(starts_on, today=today) else "starts_on",
                    problem,
                )
            if starts_on and ends_on and ends_on < starts_on:
                row.error("ends_on", "The plan cannot end before it starts.")
            if row.refused or row.patient is None:
                continue
            self._check_plan(row, template, starts_on, ends_on, today)

    def _check_plan(self, row: Row, template, starts_on, ends_on, today) -> None:
        patient = row.patient
        self.once_in_file(
            row, (patient.pk, template.pk, starts_on), "template", "This patient, template and start"
        )
        if row.refused:
            return
        row.shown.update(
            {"Template": f"{template.program} · {template.name}", "Start": f"{starts_on:%m/%d/%Y}"}
        )
        key = uuid.uuid5(PLAN_KEYS, f"{patient.pk}:{template.pk}:{starts_on.isoformat()}")
        if CarePlan.objects.filter(intake_key=key).exists() or active_plan(patient, template):
            row.action = UNCHANGED
            return
        if patient.deceased_on:
            row.error("mrn", "The patient is deceased: no new care plan.")
            return
        author = self.by or patient.primary_provider
        if author is None:
            row.error(
                "mrn",
                "The patient has no primary provider to author the plan (from the command line, the plan's author is the primary provider).",
            )
            return
        planned = preview(patient=patient, template=template, starts_on=starts_on, ends_on=ends_on)
        for step in planned:
            if step.owner is None:
                row.error(
                    "template", f"{step.title}: {step.notes[-1] if step.notes else 'nobody can own it.'}"
                )
            problem = due_date_problem(step.due_on, today=today, plan_start=starts_on)
            if problem:
                row.error("starts_on", f"{step.title}: {problem}")
        if row.refused:
            return
        row.action = CREATE
        row.shown["Tasks"] = f"{len(planned)} ({', '.join(sorted({str(s.owner) for s in planned}))})"
        row.payload = (template, starts_on, ends_on, planned, key, author)

    def write(self, rows: list[Row]) -> None:
        for row in rows:
            if row.action != CREATE:
                continue
            template, starts_on, ends_on, planned, key, author = row.payload
            try:
                apply_template(
                    patient=row.patient,
                    template=template,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    by=self.by,
                    rows=planned,
                    intake_key=key,
                    author=author,
                    change_reason=self.reason,
                )
            except ActionError as refused:
                raise BadValue(f"Row {row.number}: {refused}") from refused
