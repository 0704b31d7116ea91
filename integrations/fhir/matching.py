"""Finding the row an incoming CarePlan, Goal or Task was imported as before, so that importing
the same Bundle again changes nothing and a changed resource updates its row.

A resource is known by its identifiers ("system|value"; the HL7 examples carry one: the Task's
http:/goodhealth.org/identifiers|20170201-001, the CarePlan's |12345), or, with none, by its
Bundle entry's fullUrl (a URI: the system urn:ietf:rfc:3986). The import records each key it
made a row from (integrations.models.FhirIdentifier). Our own export writes our id in our system
(mapping.OWN_ID_SYSTEMS): a row of ours is found by it directly, if it is the same patient's
(or, for a goal, the same plan's), and never a row this import just made."""

from __future__ import annotations

from collections.abc import Callable

from careplans.models import CarePlan, Goal
from integrations.fhir import mapping as m
from integrations.fhir.bundle import Entry, identifier_value
from integrations.models import FhirIdentifier
from tasks.models import Task

URI_SYSTEM = "urn:ietf:rfc:3986"
MODELS = {"CarePlan": CarePlan, "Goal": Goal, "Task": Task}
LINK_FIELD = {"CarePlan": "care_plan", "Goal": "goal", "Task": "task"}
MAX_KEY = FhirIdentifier._meta.get_field("key").max_length


def keys(entry: Entry) -> list[str]:
    """The keys `entry` is known by: its identifiers, else its fullUrl; none when it has neither
    (such a resource is made again by each import of it)."""
    found = [
        f"{ident.get('system') or ''}|{ident['value']}"
        for ident in entry.resource.get("identifier") or []
        if isinstance(ident, dict) and ident.get("value")
    ]
    if not found and entry.full_url:
        found = [f"{URI_SYSTEM}|{entry.full_url}"]
    return [key for key in found if len(key) <= MAX_KEY]


class Matcher:
    """One per import run: remembers the rows the run made, which are never matched by our id."""

    def __init__(self):
        self.made: dict[str, set[int]] = {kind: set() for kind in MODELS}

    def find(self, entry: Entry, *, ours: Callable[[object], bool]):
        """The row `entry` was imported as (by a recorded key), or the row of ours its identifier
        names if `ours(row)` (the same patient's, the same plan's); else None."""
        kind, field = entry.type, LINK_FIELD[entry.type]
        entry_keys = keys(entry)
        if entry_keys:
            link = (
                FhirIdentifier.objects.filter(resource_type=kind, key__in=entry_keys)
                .select_related(field)
                .order_by("pk")
                .first()
            )
            if link is not None:
                return getattr(link, field)
        own = identifier_value(entry.resource.get("identifier"), system=m.OWN_ID_SYSTEMS[kind])
        if own.isdigit() and int(own) not in self.made[kind]:
            row = MODELS[kind].objects.filter(pk=int(own)).first()
            if row is not None and ours(row):
                return row
        return None

    def remember(self, entry: Entry, row, *, made: bool) -> None:
        """Record the keys `entry` came with for `row` (those not recorded yet: a re-import of
        the same resource writes nothing). Our own id for our own row needs no record."""
        kind, field = entry.type, LINK_FIELD[entry.type]
        if made:
            self.made[kind].add(row.pk)
        own = f"{m.OWN_ID_SYSTEMS[kind]}|{row.pk}"
        wanted = list(dict.fromkeys(key for key in keys(entry) if key != own or made))
        if not wanted:
            return
        known = set(
            FhirIdentifier.objects.filter(resource_type=kind, key__in=wanted).values_list("key", flat=True)
        )
        FhirIdentifier.objects.bulk_create(
            [
                FhirIdentifier(resource_type=kind, key=key, **{field: row})
                for key in wanted
                if key not in known
            ]
        )
