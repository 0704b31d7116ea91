"""Patients: upserted by MRN, set-based (a chunk of rows costs a few statements, whatever its
size), with their history rows written in bulk, each naming the run."""

from __future__ import annotations

from django.db import connection
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.utils import bulk_create_with_history

from bulksql import history_rows, id_set, insert_select
from careplans.models import Enrollment, EnrollmentStatus, Patient, RiskLevel
from integrations.imports.base import (
    CREATE,
    PATIENT_FIELDS,
    UNCHANGED,
    UPDATE,
    Field,
    Handler,
    Row,
    cell_text,
)
from integrations.imports.values import parse_choice, parse_date, split_name, text

CHUNK_INSERT = 1000
RISK_ALIASES = {
    "l": "low",
    "m": "medium",
    "med": "medium",
    "h": "high",
    "1": "low",
    "2": "medium",
    "3": "high",
}
# The fields a row may set on a patient, in the order the preview shows them.
SAVED = (
    "mrn",
    "ehr_id",
    "first_name",
    "last_name",
    "birth_date",
    "phone",
    "care_team",
    "location",
    "primary_provider",
    "risk_level",
    "deceased_on",
)


# A patient's fields as read for the comparison (a foreign key by its id: no related row read).
ATTNAME = {"care_team": "care_team_id", "location": "location_id", "primary_provider": "primary_provider_id"}
ATTNAMES = ("id", *(ATTNAME.get(name, name) for name in SAVED))


# A cell that stands for a field a new patient needs: its own error, if wrong, says enough.
COVERED_BY = {"first_name": "full_name", "last_name": "full_name", "location": "care_team"}


def _compared(value):
    return value.pk if hasattr(value, "pk") and hasattr(value, "_meta") else value


class PatientHandler(Handler):
    kind = "patients"
    fields = (
        PATIENT_FIELDS[0],
        PATIENT_FIELDS[1],
        Field(
            "first_name",
            "First name",
            aliases=("firstname", "first", "givenname", "given", "patientfirstname", "fname"),
        ),
        Field(
            "last_name",
            "Last name",
            aliases=("lastname", "last", "surname", "familyname", "patientlastname", "lname"),
        ),
        Field("full_name", "Name (Last, First)", aliases=("name", "patientname", "fullname", "patient")),
        Field(
            "birth_date",
            "Date of birth",
            aliases=("dob", "dateofbirth", "birthdate", "birthday", "patientdob"),
        ),
        Field(
            "phone",
            "Phone",
            aliases=("phone", "phonenumber", "homephone", "mobile", "cellphone", "telephone", "cell"),
        ),
        Field("care_team", "Care team", aliases=("team", "careteam", "teamname")),
        Field("location", "Location", aliases=("location", "clinic", "site", "practicelocation", "office")),
        Field(
            "primary_provider",
            "Primary provider",
            aliases=("provider", "primaryprovider", "pcp", "renderingprovider"),
        ),
        Field("risk_level", "Risk level", aliases=("risk", "risklevel", "riskscore", "acuity")),
        Field(
            "deceased_on",
            "Date of death",
            aliases=("deceased", "dateofdeath", "deceaseddate", "dod", "deathdate"),
        ),
        Field("program", "Program", aliases=("program", "programname", "enrolledprogram")),
        Field(
            "program_start",
            "Enrolled on",
            aliases=("enrolled", "enrolledon", "enrollmentdate", "programstart", "enrollmentstart"),
        ),
    )
    needs = (("mrn",), ("first_name", "full_name"), ("last_name", "full_name"), ("birth_date",))
    team_field = "care_team"
    rules = (
        "Each row is matched to a patient by MRN (any case): a new MRN makes a patient, a known one "
        "updates the fields the file has columns for. An empty cell changes nothing.",
        "An MRN may appear once in a file.",
        "The care team must be one you work in; a row naming no team goes to the team chosen for "
        "the file (with no Care team column, a team must be chosen for the file; if you work in one "
        "team only, it is that one). An unknown team refuses the row. A patient already in another team stays there "
        "(move them with Transfer, which moves their tasks too): such a row is refused.",
        "Restricted patients are updated only by someone granted the patient; otherwise their row "
        "is refused, as for a patient of another team.",
        "A date of death is recorded; a deceased patient is given no new enrollment (the row is "
        "refused), and later no new care plan or missed-appointment outreach.",
        "A Program column enrolls the patient (from Enrolled on, else today) unless already enrolled.",
    )

    def name_in_file(self, row: Row) -> str:
        last, first = cell_text(row.get("last_name")), cell_text(row.get("first_name"))
        if last or first:
            return ", ".join(filter(None, [last, first]))
        return cell_text(row.get("full_name"))

    def check(self, rows: list[Row]) -> None:
        """Three queries a chunk at most: the known patients by MRN (as plain values: a re-run of
        100,000 unchanged rows builds no model object), which of them the importer may see, and
        their active enrollments when the file enrolls."""
        if self.today is None:
            self.today = timezone.localdate()
        mrns = {str(r.get("mrn")).upper() for r in rows if r.get("mrn")}
        existing = {
            values.pop("mrn_upper"): values
            for values in Patient.objects.annotate(mrn_upper=Upper("mrn"))
            .filter(mrn_upper__in=mrns)
            .values("mrn_upper", *ATTNAMES)
        }
        ids = [p["id"] for p in existing.values()]
        visible = (
            set(ids)
            if self.by is None
            else set(self.visible_patients().filter(pk__in=ids).values_list("pk", flat=True))
        )
        active = set()
        if any(r.get("program") for r in rows):
            active = set(
                Enrollment.objects.filter(patient__in=ids, status=EnrollmentStatus.ACTIVE).values_list(
                    "patient_id", "program_id"
                )
            )
        for row in rows:
            self._check_row(row, existing, visible, active)

    def _check_row(self, row: Row, existing, visible, active) -> None:
        mrn = row.parse("mrn", text, max_length=40, what="The MRN")
        if not mrn:
            row.error("mrn", "No MRN: every patient needs one.")
            return
        self.once_in_file(row, mrn.upper(), "mrn", "This MRN")
        current = existing.get(mrn.upper())
        if current is not None and current["id"] not in visible:
            row.error(
                "mrn",
                "This MRN belongs to a patient you may not see (restricted, or of a team you do not work in).",
            )
            return
        values = self._values(row, current)
        if current is None:
            # Every missing field is said, with the row's other errors (a cell that is there but
            # wrong has said so already).
            for name in ("first_name", "last_name", "birth_date", "care_team", "location"):
                if values.get(name) or row.get(name) or row.get(COVERED_BY.get(name, "")):
                    continue
                row.error(name, f"A new patient needs {self.labels[name].lower()}.")
        if row.refused:
            self._check_program(row)
            return
        if current is None:
            values["mrn"] = mrn
            changed = list(values)
            row.action = CREATE
            # PostgreSQL copies new rows in as plain tuples (write): no model object unless needed.
            patient = None if self.copy_in and not (self.show or row.get("program")) else Patient(**values)
        else:
            team = values.get("care_team")
            if team is not None and team.pk != current["care_team_id"] and row.get("care_team"):
                where = self.names.team_by_id.get(current["care_team_id"], "another team")
                row.error("care_team", f"The patient is in {where}: move them with Transfer, not an import.")
                return
            values.pop("care_team", None)
            changed = [
                name for name, value in values.items() if current[ATTNAME.get(name, name)] != _compared(value)
            ]
            row.action = UPDATE if changed else UNCHANGED
            patient = None
            if changed or self.show or row.get("program"):
                patient = Patient(**current)
                for name in changed:
                    setattr(patient, name, values[name])
        enroll = self._enrollment(row, patient, active) if row.get("program") else None
        if row.refused:
            return
        if enroll and row.action == UNCHANGED:
            row.action = UPDATE
        row.patient = patient
        row.payload = (changed, enroll, values if row.action == CREATE else None)
        if self.show:
            self._show(row, patient, changed, enroll)

    def _show(self, row: Row, patient: Patient, changed: list[str], enroll: Enrollment | None) -> None:
        """The preview's cells; its Changes name the fields updated and the enrollment made."""
        changes = [row.headers.get(name, name) for name in changed] if row.action == UPDATE else []
        if enroll is not None:
            changes.append(f"enrolls in {enroll.program.name} from {enroll.started_on:%m/%d/%Y}")
        row.shown = {
            "MRN": patient.mrn,
            "Name": f"{patient.last_name}, {patient.first_name}",
            "Date of birth": f"{patient.birth_date:%m/%d/%Y}" if patient.birth_date else "",
            "Team": str(self.names.team_by_id.get(patient.care_team_id, "")),
            "Changes": ", ".join(changes),
        }

    today = None

    @cached_property
    def copy_in(self) -> bool:
        return connection.vendor == "postgresql"

    def _values(self, row: Row, patient: dict | None) -> dict:
        """The fields the row sets (an empty cell sets nothing), checked."""
        names = self.names
        values = {}
        if row.get("ehr_id"):
            values["ehr_id"] = row.parse("ehr_id", text, max_length=80, what="The EHR id")
        if row.get("first_name"):
            values["first_name"] = row.parse("first_name", text, max_length=80, what="The first name")
        if row.get("last_name"):
            values["last_name"] = row.parse("last_name", text, max_length=80, what="The last name")
        if row.get("full_name") and not (row.get("first_name") and row.get("last_name")):
            both = row.parse("full_name", split_name)
            if both:
                values["first_name"], values["last_name"] = both
        if row.get("birth_date"):
            values["birth_date"] = row.parse("birth_date", parse_date, past=True)
            if values["birth_date"] and values["birth_date"] > self.today:
                row.error("birth_date", "The date of birth is in the future.")
        if row.get("phone"):
            values["phone"] = row.parse("phone", text, max_length=30, what="The phone number")
        team = row.parse("care_team", names.team) if row.get("care_team") else None
        if team is None and not row.get("care_team") and patient is None:
            team = self.default_team
        if team is not None:
            if not self.may_use_team(team):
                row.error("care_team", f"You do not work in {team}: you cannot import its patients.")
            values["care_team"] = team
        if row.get("location"):
            values["location"] = row.parse("location", names.location)
        elif patient is None and team is not None:
            values["location"] = team.location
        if row.get("primary_provider"):
            values["primary_provider"] = row.parse("primary_provider", names.person)
        if row.get("risk_level"):
            values["risk_level"] = row.parse("risk_level", parse_choice, RiskLevel, aliases=RISK_ALIASES)
        if row.get("deceased_on"):
            values["deceased_on"] = row.parse("deceased_on", parse_date, past=True)
        return {name: value for name, value in values.items() if value is not None}

    @cached_property
    def labels(self) -> dict[str, str]:
        return {f.name: f.label for f in self.fields}

    def _check_program(self, row: Row) -> None:
        """A refused row's program cells, checked all the same: the row lists all its errors."""
        if row.get("program"):
            row.parse("program", self.names.program)
        if row.get("program_start"):
            row.parse("program_start", parse_date)

    def _enrollment(self, row: Row, patient: Patient, active) -> Enrollment | None:
        if not row.get("program"):
            return None
        program = row.parse("program", self.names.program)
        started = row.parse("program_start", parse_date) if row.get("program_start") else timezone.localdate()
        if program is None or started is None:
            return None
        if patient.pk and (patient.pk, program.pk) in active:
            return None
        if patient.deceased_on:
            row.error("program", "The patient is deceased: no new enrollment.")
            return None
        return Enrollment(patient=patient, program=program, started_on=started)

    def write(self, rows: list[Row]) -> None:
        """Set-based: one INSERT (on PostgreSQL a COPY) for the chunk's new patients and one
        UPDATE for its changed ones, then their history rows copied from the saved rows in one
        INSERT ... SELECT each, naming the run (what save() would write, without a Python object
        per row)."""
        now = timezone.now()
        new = [r for r in rows if r.action == CREATE]
        changed = [r for r in rows if r.action == UPDATE and r.payload[0]]
        copied = [r.payload[2] for r in new if r.patient is None]
        objects = [r.patient for r in new if r.patient is not None]
        if copied:
            self._copy_in(copied, now)
            self._history(Patient.objects.filter(mrn__in=[values["mrn"] for values in copied]), "+", now)
        if objects:
            Patient.objects.bulk_create(objects, batch_size=CHUNK_INSERT)
            self._history(Patient.objects.filter(pk__in=id_set([p.pk for p in objects])), "+", now)
        if changed:
            fields = sorted({name for r in changed for name in r.payload[0]} - {"mrn"})
            Patient.objects.bulk_update([r.patient for r in changed], fields, batch_size=CHUNK_INSERT)
            self._history(Patient.objects.filter(pk__in=id_set([r.patient.pk for r in changed])), "~", now)
        enrollments = [r.payload[1] for r in rows if r.payload and r.payload[1]]
        for enrollment in enrollments:
            enrollment.patient_id = enrollment.patient.pk  # made in this chunk: its pk is new
        if enrollments:
            bulk_create_with_history(
                enrollments, Enrollment, default_user=self.by, default_change_reason=self.reason
            )

    def _copy_in(self, rows: list[dict], now) -> None:
        """COPY the new patients in: PostgreSQL's bulk load, tuples straight from the checked
        values, each field's default where the file said nothing."""
        fields = [f for f in Patient._meta.concrete_fields if not f.primary_key]
        saved = {ATTNAME.get(name, name): name for name in SAVED}
        defaults = [now if f.attname == "created_at" else f.get_default() for f in fields]
        keys = [saved.get(f.attname) for f in fields]
        quote = connection.ops.quote_name
        sql = (
            f"COPY {quote(Patient._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
        )
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for values in rows:
                copy.write_row(
                    [
                        _compared(values[key]) if key in values else default
                        for key, default in zip(keys, defaults, strict=True)
                    ]
                )

    def _history(self, patients, history_type: str, when) -> None:
        history, columns, values = history_rows(
            patients,
            when=when,
            reason=self.reason,
            history_type=history_type,
            by=self.by,
        )
        insert_select(history, columns, values, returning=("pk",))
