"""Importing a FHIR R4 Bundle (collection or transaction) of Patient, Appointment, CarePlan, Goal
and Task: `import_bundle(data, ...)`, which the command (`manage.py fhir_import`) and the upload
page call alike.

All or nothing: the whole Bundle is written in one transaction, and any refused resource rolls
it all back (the report then lists every problem found, not just the first). A dry run goes
through every step the same way and rolls back at the end. Resources of other types are reported
and skipped; a Practitioner is read only to find an owner's or author's username.

Rules a reader of the report sees (README "FHIR R4"):
- a Patient is matched by MRN (the identifier typed MR, or in our MRN system); a new one goes to
  `team`; a match is updated (names, birth date, phone, EHR id) and must be in the importer's
  scope; references to patients outside the Bundle are resolved by identifier
  (Reference.identifier, or "Patient?identifier=system|value");
- an owner or author is the user whose username the Practitioner (reference, identifier or the
  Practitioner resource in the Bundle) names; otherwise `default_owner`; otherwise refused;
- a CarePlan's program is found by its code (our program coding) or name; an unknown one is
  created inactive, for an admin to review, and said so in the report;
- Goals come in through the CarePlan that lists them; a Goal no plan lists is skipped;
- care plans, goals and tasks are upserted (integrations.fhir.import_plans): the row a resource
  was imported as before, found by its identifier (integrations.fhir.matching), is updated, so
  the same Bundle imported twice changes nothing;
- statuses and due dates follow integrations.fhir.mapping's tables."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.scope import manages
from careplans.models import Appointment, AppointmentStatus, CarePlan, Patient
from integrations import scheduling
from integrations.fhir import mapping as m
from integrations.fhir.bundle import (
    Entry,
    ReadBundle,
    as_date,
    as_instant,
    concept_text,
    extension_value,
    identifier_value,
    read_bundle,
)
from integrations.fhir.import_plans import REASON, PlanImport
from integrations.fhir.matching import Matcher
from integrations.fhir.report import ImportReport, Issue
from integrations.fhir.resources import mrn_system
from integrations.scheduling import AppointmentState


class _Refused(Exception):
    """Raised inside the transaction to roll it back (refused, or a dry run)."""


def import_bundle(data, *, by=None, team=None, default_owner=None, dry_run: bool = False) -> ImportReport:
    """Import `data` (a parsed Bundle). `by`: the importing user (None: the system, from the
    command), whose scope bounds which patients may be matched and which team filled; `team`:
    the care team of new patients; `default_owner`: who owns tasks and authors plans whose
    Practitioner is no user here."""
    report = ImportReport(dry_run=dry_run)
    read = read_bundle(data)
    report.skipped += read.skipped
    report.errors += read.errors
    if by is not None and team is not None and not manages(by, team.pk):
        report.errors.append(Issue("team", "you can import only into a team you manage"))
    if report.errors:
        return report
    try:
        with transaction.atomic():
            _Run(read, report, by=by, team=team, default_owner=default_owner).run()
            if report.errors or dry_run:
                raise _Refused
    except _Refused:
        pass
    except IntegrityError as refused:
        report.errors.append(
            Issue("bundle", f"the database refused a row: {str(refused).splitlines()[0][:200]}")
        )
    return report


class _Run(PlanImport):
    def __init__(self, read: ReadBundle, report: ImportReport, *, by, team, default_owner):
        self.read, self.report, self.by, self.team, self.default_owner = read, report, by, team, default_owner
        self.match = Matcher()
        self.patients: dict[int, Patient] = {}  # id(entry) → row
        self.plans: dict[int, CarePlan] = {}
        self.users_by_name: dict[str, User | None] = {}

    def error(self, entry: Entry, message: str) -> None:
        self.report.errors.append(Issue(entry.label, message))

    def run(self) -> None:
        for entry in self.read.of_type("Patient"):
            self.patient(entry)
        for entry in self.read.of_type("Appointment"):
            self.appointment(entry)
        listed_goals: set[int] = set()
        for entry in self.read.of_type("CarePlan"):
            listed_goals |= self.care_plan(entry)
        for entry in self.read.of_type("Goal"):
            if id(entry) not in listed_goals:
                self.report.skipped.append(Issue(entry.label, "no CarePlan in the Bundle lists this Goal"))
        for entry in self.read.of_type("Task"):
            self.task(entry)

    # ---- references --------------------------------------------------------------------------

    def patient_of(self, entry: Entry, reference: dict | None, what: str) -> Patient | None:
        target = self.read.resolve(reference)
        if target is not None:
            if target.type != "Patient":
                self.error(entry, f"{what} points at a {target.type}, not a Patient")
                return None
            found = self.patients.get(id(target))
            if found is None:
                self.error(entry, f"{what} is {target.label}, which was refused")
            return found
        mrn = self._reference_mrn(reference)
        found = self._visible_patients().filter(mrn=mrn).first() if mrn else None
        if found is not None and self.by is not None and not manages(self.by, found.care_team_id):
            found = None  # seen, but not a patient of a team the importer manages: not theirs to import into
        if found is None:
            self.error(
                entry,
                f"{what} ({(reference or {}).get('reference') or 'no reference'}) is neither in the "
                "Bundle nor a patient of yours by identifier",
            )
        return found

    def _reference_mrn(self, reference: dict | None) -> str:
        reference = reference or {}
        ident = reference.get("identifier") or {}
        if ident.get("value"):
            return str(ident["value"]).strip()
        ref = reference.get("reference") or ""
        if ref.startswith("Patient?identifier="):
            return ref.split("=", 1)[1].split("|")[-1].strip()
        return ""

    def _visible_patients(self):
        return Patient.objects.all() if self.by is None else Patient.objects.visible_to(self.by)

    def user_of(self, reference: dict | None) -> User | None:
        """The user a Practitioner reference names, by username: in the reference's identifier,
        or in the identifier of the Practitioner resource it points at in the Bundle."""
        reference = reference or {}
        username = ""
        ident = reference.get("identifier") or {}
        if ident.get("system") == m.USERNAME_SYSTEM:
            username = str(ident.get("value") or "")
        target = self.read.resolve(reference)
        if not username and target is not None and target.type == "Practitioner":
            username = identifier_value(target.resource.get("identifier"), system=m.USERNAME_SYSTEM)
        if not username:
            return None
        if username not in self.users_by_name:
            self.users_by_name[username] = User.objects.filter(username=username, is_active=True).first()
        return self.users_by_name[username]

    # ---- patients ----------------------------------------------------------------------------

    def patient(self, entry: Entry) -> None:
        r = entry.resource
        identifiers = r.get("identifier")
        mrn = identifier_value(identifiers, system=mrn_system(), type_code="MR") or identifier_value(
            identifiers[:1] if identifiers else [], system=(identifiers or [{}])[0].get("system")
        )
        if not mrn:
            return self.error(entry, "has no MRN (an identifier typed MR, or any identifier)")
        names = r.get("name") or []
        name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
        first = " ".join(name.get("given") or []).strip()
        last = (name.get("family") or "").strip()
        birth = as_date(r.get("birthDate"))
        if not (first and last):
            return self.error(entry, "needs a family and a given name")
        if birth is None:
            return self.error(entry, "needs a full birthDate (YYYY-MM-DD)")
        fields = {
            "first_name": first[:80],
            "last_name": last[:80],
            "birth_date": birth,
            "phone": next(
                (
                    str(t.get("value"))[:30]
                    for t in r.get("telecom") or []
                    if t.get("system") == "phone" and t.get("value")
                ),
                "",
            ),
            "ehr_id": identifier_value(identifiers, system=m.EHR_ID_SYSTEM)[:80],
        }
        existing = Patient.objects.filter(mrn=mrn).first()
        if existing is not None:
            if self.by is not None and not (
                self._visible_patients().filter(pk=existing.pk).exists()
                and manages(self.by, existing.care_team_id)
            ):
                return self.error(entry, "its MRN belongs to a patient you cannot import into")
            changed = {k: v for k, v in fields.items() if getattr(existing, k) != v and (v or k != "ehr_id")}
            for key, value in changed.items():
                setattr(existing, key, value)
            if changed:
                self._save(existing)
                self.report.updated["Patient"] += 1
            else:
                self.report.unchanged["Patient"] += 1
            self.patients[id(entry)] = existing
            return None
        if self.team is None:
            return self.error(entry, "is a new patient: choose the care team new patients go to (--team)")
        risk = extension_value(r, m.RISK_LEVEL_URL, "valueCode")
        security = {c.get("code") for c in ((r.get("meta") or {}).get("security") or [])}
        patient = Patient(
            mrn=mrn[:40],
            care_team=self.team,
            location_id=self.team.location_id,
            risk_level=risk if risk in ("low", "medium", "high") else "low",
            is_restricted="R" in security or "V" in security,
            **fields,
        )
        provider = next(iter(r.get("generalPractitioner") or []), None)
        patient.primary_provider = self.user_of(provider) if provider else None
        self._save(patient)
        self.report.created["Patient"] += 1
        self.patients[id(entry)] = patient
        return None

    def _save(self, row) -> None:
        row._history_user = self.by
        row._change_reason = REASON
        row.save()

    # ---- appointments --------------------------------------------------------------------------

    def appointment(self, entry: Entry) -> None:
        r = entry.resource
        actors = [p.get("actor") for p in r.get("participant") or [] if p.get("actor")]
        patient_ref = next((a for a in actors if self._points_at(a, "Patient")), None)
        patient = self.patient_of(entry, patient_ref, "its Patient participant")
        if patient is None:
            return None
        status = r.get("status") or ""
        source, external_id = self._appointment_key(r)
        existing = (
            Appointment.objects.filter(source=source, external_id=external_id, patient=patient).first()
            if external_id
            else None
        )
        before = AppointmentState.of(existing) if existing else None
        was = (existing.starts_at, existing.provider_id, existing.kind, existing.status) if existing else None
        ours = m.APPOINTMENT_STATUS_IN.get(status)
        if ours is None:
            return self.error(entry, f"has a status we do not read ({status or 'none'})")
        if ours == AppointmentStatus.CANCELLED and existing is None:
            self.report.skipped.append(Issue(entry.label, f"a {status} appointment we never had"))
            return None
        start = as_instant(r.get("start"))
        if start is None:
            return self.error(entry, "needs a start")
        provider_ref = next((a for a in actors if self._points_at(a, "Practitioner")), None)
        row = existing or Appointment(patient=patient, source=source, external_id=external_id)
        row.starts_at = start
        row.provider = self.user_of(provider_ref) if provider_ref else None
        row.kind = (
            concept_text(r.get("appointmentType"))
            or concept_text(next(iter(r.get("serviceType") or []), None))
        )[:80]
        if was == (row.starts_at, row.provider_id, row.kind, ours):
            self.report.unchanged["Appointment"] += 1
            return None
        row.status = ours
        self._save(row)
        (self.report.updated if existing else self.report.created)["Appointment"] += 1
        # The scheduling feed, in this import's transaction: tasks dated from a moved appointment
        # move with it, a cancellation tells their owners, a no-show brings the outreach step.
        scheduling.appointment_changed(before, row, by=self.by, reason=REASON)
        return None

    def _points_at(self, reference: dict, kind: str) -> bool:
        target = self.read.resolve(reference)
        if target is not None:
            return target.type == kind
        if kind == "Practitioner" and (reference.get("identifier") or {}).get("system") == m.USERNAME_SYSTEM:
            return True
        ref = reference.get("reference") or ""
        return ref.startswith(kind) or f"/{kind}/" in ref

    @staticmethod
    def _appointment_key(r: dict) -> tuple[str, str]:
        prefix = f"{m.BASE}:appointment:"
        for ident in r.get("identifier") or []:
            system, value = ident.get("system") or "", str(ident.get("value") or "")
            if value and system.startswith(prefix):
                return system[len(prefix) :][:40] or "fhir", value[:80]
            if value:
                return "fhir", (f"{system}|{value}" if system else value)[:80]
        return "fhir", ""
