"""Reading an incoming Bundle: its entries validated with fhir.resources (R4B models, which are
R4's for the resources we take), indexed by every name a reference may use, and the small
readers the importer shares (dates, identifiers, references)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from integrations.fhir.report import Issue

SUPPORTED = ("Patient", "Appointment", "CarePlan", "Goal", "Task")
# Read to resolve references (an owner's username), never imported themselves.
READ_ONLY = ("Practitioner",)
# searchset too: what our own $everything and searches answer, so an export imports as it is.
BUNDLE_TYPES = ("collection", "transaction", "searchset")


@dataclass
class Entry:
    position: int
    resource: dict
    full_url: str

    @property
    def type(self) -> str:
        return self.resource.get("resourceType", "")

    @property
    def label(self) -> str:
        rid = self.resource.get("id")
        return f"{self.type}/{rid}" if rid else f"entry {self.position} ({self.type})"


@dataclass
class ReadBundle:
    entries: list[Entry] = field(default_factory=list)
    by_name: dict[str, Entry] = field(default_factory=dict)
    skipped: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)

    def of_type(self, kind: str) -> list[Entry]:
        return [e for e in self.entries if e.type == kind]

    def resolve(self, reference: dict | None) -> Entry | None:
        """The entry a Reference points at inside this Bundle: by fullUrl (urn:uuid:...,
        an absolute URL) or by "Type/id" (relative, or the tail of an absolute one)."""
        ref = (reference or {}).get("reference") or ""
        if not ref or ref.startswith("#"):
            return None
        if ref in self.by_name:
            return self.by_name[ref]
        parts = ref.rstrip("/").split("/")
        return self.by_name.get("/".join(parts[-2:])) if len(parts) >= 2 else None


def read_bundle(data) -> ReadBundle:
    """Validate the Bundle's shape and each entry we take; never raises on bad content: the
    problems are in `errors` (they refuse the import) and `skipped` (reported, left out)."""
    read = ReadBundle()
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        read.errors.append(Issue("bundle", "is not a FHIR Bundle (resourceType must be Bundle)"))
        return read
    if data.get("type") not in BUNDLE_TYPES:
        read.errors.append(
            Issue(
                "bundle", f"type {data.get('type')!r} is not taken: send a collection or transaction Bundle"
            )
        )
        return read
    raw_entries = data.get("entry") or []
    if not isinstance(raw_entries, list):
        read.errors.append(Issue("bundle", "entry must be a list"))
        return read
    for position, raw in enumerate(raw_entries, start=1):
        resource = raw.get("resource") if isinstance(raw, dict) else None
        if not isinstance(resource, dict):
            read.errors.append(Issue(f"entry {position}", "has no resource"))
            continue
        entry = Entry(position, resource, str(raw.get("fullUrl") or ""))
        method = ((raw.get("request") or {}).get("method") or "POST").upper()
        if entry.type not in SUPPORTED + READ_ONLY:
            read.skipped.append(
                Issue(entry.label, f"{entry.type or 'a resource without a type'} is not imported")
            )
            continue
        if method not in ("POST", "PUT"):
            read.skipped.append(Issue(entry.label, f"request method {method} is not supported"))
            continue
        problem = _validation_problem(resource)
        if problem:
            read.errors.append(Issue(entry.label, problem))
            continue
        read.entries.append(entry)
        for name in _names(entry):
            read.by_name.setdefault(name, entry)
    return read


def _validation_problem(resource: dict) -> str | None:
    try:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "__root__")
        return f"not valid FHIR R4: {where or 'resource'}: {first.get('msg', 'invalid')}"[:300]
    return None


def _names(entry: Entry) -> list[str]:
    names = []
    if entry.full_url:
        names.append(entry.full_url)
        parts = entry.full_url.rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2] == entry.type:
            names.append(f"{parts[-2]}/{parts[-1]}")
    if entry.resource.get("id"):
        names.append(f"{entry.type}/{entry.resource['id']}")
    return names


# ---- small readers ---------------------------------------------------------------------------


def as_date(value) -> datetime.date | None:
    """A FHIR date or dateTime as the practice's calendar day (a dateTime with an offset is
    moved to the practice's time zone first). A partial date (2016, 2016-10) is no day: None."""
    if not value:
        return None
    text = str(value)
    if "T" in text:
        moment = parse_datetime(text)
        if moment is None:
            return None
        return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()
    return parse_date(text) if len(text) == 10 else None


def as_instant(value) -> datetime.datetime | None:
    if not value:
        return None
    text = str(value)
    if "T" not in text:
        day = as_date(text)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12))) if day else None
    moment = parse_datetime(text)
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def identifier_value(identifiers, *, system: str | None = None, type_code: str | None = None) -> str:
    for ident in identifiers or []:
        codes = {c.get("code") for c in ((ident.get("type") or {}).get("coding") or [])}
        if (system and ident.get("system") == system) or (type_code and type_code in codes):
            return str(ident.get("value") or "").strip()
    return ""


def coding_code(concept: dict | None, system: str) -> str:
    for coding in (concept or {}).get("coding") or []:
        if coding.get("system") == system and coding.get("code"):
            return str(coding["code"])
    return ""


def concept_text(concept: dict | None) -> str:
    concept = concept or {}
    if concept.get("text"):
        return str(concept["text"]).strip()
    for coding in concept.get("coding") or []:
        if coding.get("display"):
            return str(coding["display"]).strip()
    return ""


def extension_value(resource: dict, url: str, key: str):
    for extension in resource.get("extension") or []:
        if extension.get("url") == url:
            return extension.get(key)
    return None
