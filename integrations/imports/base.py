"""What every kind of import shares: its fields, a row being checked, the practice's names
(teams, locations, programs, people) read once per run, and finding a row's patient."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.db.models.functions import Upper

from accounts.models import CareTeam, Location, User
from accounts.scope import team_id_list
from careplans.models import Patient, Program
from integrations.imports.values import BadValue

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()


def cell_text(value) -> str:
    """A cell as one short line of text (a spreadsheet's number or date cell included)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an MRN typed as a number: 1234, not 1234.0
    return " ".join(str(value).split())[:60]


def normalize(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(header).lower())


@dataclass
class Row:
    number: int
    values: dict[str, Any]  # field name → cell, for the mapped fields
    # field name → what the user calls it, for messages: its column's header in the file when the
    # field was mapped from one, else the field's label ("Care team"), never our internal name.
    headers: dict[str, str]
    errors: list[tuple[str, str]] = field(default_factory=list)
    action: str = ""
    shown: dict[str, str] = field(default_factory=dict)  # the preview's cells, by field label
    patient: Patient | None = None
    payload: Any = None  # what the handler's write step needs
    # Which row a refusal means, as the file gives it (set for refused rows only): `key` is the
    # row's key (its MRN; an appointment's id and MRN...), kept with its refusals for the run page
    # and the error report; `who` adds the name the file gives, for the preview alone.
    key: str = ""
    who: str = ""

    def get(self, name: str):
        return self.values.get(name)

    def error(self, name: str, message: str) -> None:
        self.errors.append((self.headers.get(name, name), message))

    def parse(self, name: str, parser, *args, **kwargs):
        """`parser(cell)`, or None for an empty cell; a bad cell becomes the row's error."""
        value = self.values.get(name)
        if value is None:
            return None
        try:
            return parser(value, *args, **kwargs)
        except BadValue as problem:
            message = str(problem)
            # "is not a date: ..." reads after the column's name; "“Nowhere” is no team" alone.
            self.error(
                name, f"{self.headers.get(name, name)} {message}" if message[:1].islower() else message
            )
            return None

    @property
    def refused(self) -> bool:
        return bool(self.errors)


class Names:
    """The practice's teams, locations, programs and people by the names a spreadsheet uses,
    read once per run (a practice has tens of each, not thousands)."""

    def __init__(self):
        self.teams = {t.name.casefold(): t for t in CareTeam.objects.select_related("location")}
        self.team_by_id = {t.pk: t for t in self.teams.values()}
        self.locations = {loc.name.casefold(): loc for loc in Location.objects.all()}
        self.programs = {}
        for program in Program.objects.all():
            self.programs[program.code.casefold()] = program
            self.programs[program.name.casefold()] = program
        self.people = {}
        for user in User.objects.filter(is_active=True).only("username", "email", "first_name", "last_name"):
            for key in (
                user.username,
                user.email,
                user.get_full_name(),
                f"{user.last_name}, {user.first_name}",
            ):
                if key and key.strip(", "):
                    self.people.setdefault(key.casefold(), user)

    def team(self, name) -> CareTeam:
        found = self.teams.get(str(name).casefold())
        if found is None:
            raise BadValue(f"“{name}” is no care team of this practice.")
        return found

    def location(self, name) -> Location:
        found = self.locations.get(str(name).casefold())
        if found is None:
            raise BadValue(f"“{name}” is no location of this practice.")
        return found

    def program(self, name) -> Program:
        found = self.programs.get(str(name).casefold())
        if found is None:
            raise BadValue(f"“{name}” is no program of this practice.")
        return found

    def person(self, name) -> User:
        found = self.people.get(str(name).casefold())
        if found is None:
            raise BadValue("names nobody with an active account here (use their username or email).")
        return found


PATIENT_FIELDS = (
    Field(
        "mrn",
        "MRN",
        aliases=("mrn", "medicalrecordnumber", "mrnnumber", "chart", "chartnumber", "chartno", "patientmrn"),
    ),
    Field("ehr_id", "EHR id", aliases=("ehrid", "personid", "enterpriseid", "patientehrid", "ehrpatientid")),
)


def sole_team(by) -> CareTeam | None:
    """The team a file's rows go to when none was chosen: the one team `by` works in (None: the
    command line, which may use every team: the practice's one team). None when there are several,
    for the importer to choose."""
    teams = CareTeam.objects.all() if by is None else CareTeam.objects.filter(pk__in=team_id_list(by))
    found = list(teams.order_by("pk")[:2])
    return found[0] if len(found) == 1 else None


class Handler:
    """One kind of import. `check` looks at a chunk of rows (a few queries per chunk, whatever
    its size) and says for each what would happen or why it is refused; `write` saves a chunk
    that was checked and refused nothing. `by` is the importing user, None for the command
    line (the system, which may import into every team); `team` takes rows that name none."""

    kind = ""
    fields: tuple[Field, ...] = ()
    rules: tuple[str, ...] = ()
    # The fields a mapping must include (one of each tuple).
    needs: tuple[tuple[str, ...], ...] = ()
    # The field that, with no column mapped to it, needs a team chosen for the file ("" for none).
    team_field = ""

    def __init__(self, *, by, team: CareTeam | None, source: str, reason: str):
        self.show = False  # fill each row's preview cells (the preview page only)
        self.by = by
        self.default_team = team
        self.source = source
        self.reason = reason  # names the run in history and timelines
        self.names = Names()
        self.allowed_team_ids = None if by is None else set(team_id_list(by))
        self.seen: dict[Any, int] = {}  # a row's key → the first row that had it

    # -- shared steps --------------------------------------------------------------------

    # The fields that say which row a refusal means (the first filled of each tuple), and what
    # the pages and the error report call them.
    key_fields: tuple[tuple[str, ...], ...] = (("mrn", "ehr_id"),)
    key_labels: tuple[str, ...] = ("MRN",)

    def identify(self, rows: list[Row]) -> None:
        """Name each refused row by its key as the file gives it (never as the database has it:
        a refused row may name a patient the importer may not see), so a refusal says which
        patient is meant, not only a row number."""
        for row in rows:
            if not row.refused:
                continue
            cells = self._cells(row)
            if any(cells):
                row.key = " · ".join(cell or "(empty)" for cell in cells)[:120]
            labelled = [f"{label} {cell}" for label, cell in zip(self.key_labels, cells, strict=True) if cell]
            row.who = " · ".join(filter(None, [*labelled, self.name_in_file(row)]))

    def _cells(self, row: Row) -> list[str]:
        """Each key field's cell as the file gives it ("" where empty)."""
        return [
            next((cell_text(row.get(name)) for name in choices if cell_text(row.get(name))), "")
            for choices in self.key_fields
        ]

    def name_in_file(self, row: Row) -> str:
        """The patient's name as the row gives it, for the preview ("" when the kind has none)."""
        return ""

    def once_in_file(self, row: Row, key, name: str, what: str) -> None:
        first = self.seen.setdefault(key, row.number)
        if first != row.number:
            row.error(name, f"{what} is also on row {first}: each may appear once in a file.")

    def may_use_team(self, team: CareTeam) -> bool:
        return self.allowed_team_ids is None or team.pk in self.allowed_team_ids

    def visible_patients(self):
        return Patient.objects.all() if self.by is None else Patient.objects.visible_to(self.by)

    def find_patients(self, rows: list[Row]) -> None:
        """Each row's patient, by MRN (any case) or else EHR id, among those the importer may
        see: one query for the chunk. A patient they may not see (another team's, or restricted
        and not granted to them) is not found, and the row says so without telling whether the
        patient exists."""
        mrns = {str(r.get("mrn")).upper() for r in rows if r.get("mrn")}
        ehr_ids = {str(r.get("ehr_id")) for r in rows if r.get("ehr_id") and not r.get("mrn")}
        query = Q(pk__in=[])
        if mrns:
            query |= Q(mrn_upper__in=mrns)
        if ehr_ids:
            query |= Q(ehr_id__in=ehr_ids)
        found = list(
            self.visible_patients().annotate(mrn_upper=Upper("mrn")).filter(query).select_related("care_team")
        )
        by_mrn = {p.mrn_upper: p for p in found}
        by_ehr = {p.ehr_id: p for p in found if p.ehr_id}
        for row in rows:
            if row.get("mrn"):
                row.patient = by_mrn.get(str(row.get("mrn")).upper())
                name = "mrn"
            elif row.get("ehr_id"):
                row.patient = by_ehr.get(str(row.get("ehr_id")))
                name = "ehr_id"
            else:
                row.error("mrn", "No MRN or EHR id: which patient is it?")
                continue
            if row.patient is None:
                row.error(name, "No patient with this identifier in the teams you work in.")
            else:
                row.shown["Patient"] = f"{row.patient} ({row.patient.mrn})"

    def check(self, rows: list[Row]) -> None:
        raise NotImplementedError

    def write(self, rows: list[Row]) -> None:
        raise NotImplementedError
