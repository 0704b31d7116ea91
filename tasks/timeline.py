"""The patient page timeline: task Activities and notes about the patient merged with the audit
history of the patient's record and plans (who changed what, when). A fixed number of queries
whatever the history size."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from itertools import pairwise

from careplans.models import CarePlan, Goal, Patient
from tasks.models import Activity, PatientNote

TIMELINE_LIMIT = 50

PATIENT_FIELDS = {
    "first_name": "First name",
    "last_name": "Last name",
    "birth_date": "Date of birth",
    "phone": "Phone",
    "risk_level": "Risk",
    "care_team_id": "Care team",
    "primary_provider_id": "Primary provider",
    "location_id": "Location",
    "is_restricted": "Restricted",
}
PLAN_FIELDS = {"status": "Status", "starts_on": "Start", "ends_on": "End", "interventions": "Interventions"}
GOAL_FIELDS = {"description": "Goal", "target": "Target", "status": "Status"}


@dataclass
class Event:
    at: datetime.datetime
    label: str
    actor: str
    text: str = ""
    activity: Activity | None = None


def _display(record, field: str) -> str:
    value = getattr(record, field)
    if value in (None, ""):
        return "—"
    if field.endswith("_id"):
        related = getattr(record, field[:-3], None)
        return str(related) if related is not None else f"#{value}"
    display = getattr(record, f"get_{field}_display", None)
    return str(display()) if display else str(value)


def _history_events(rows, fields: dict[str, str], subject: str) -> list[Event]:
    """rows: history records, newest first. One event per record: created, or the fields it changed."""
    by_object: dict[int, list] = {}
    for record in rows:
        by_object.setdefault(record.id, []).append(record)
    events = []
    for records in by_object.values():
        for newer, older in pairwise([*records, None]):
            actor = str(newer.history_user) if newer.history_user_id else "system"
            if newer.history_type == "+":
                events.append(Event(newer.history_date, f"{subject} created", actor))
            elif older is not None:
                changes = [
                    f"{label}: {_display(older, f)} → {_display(newer, f)}"
                    for f, label in fields.items()
                    if getattr(older, f) != getattr(newer, f)
                ]
                if changes:
                    # A change made by an action says why (a transfer's reason); an admin edit may not.
                    why = f". {newer.history_change_reason}" if newer.history_change_reason else ""
                    events.append(
                        Event(newer.history_date, f"{subject} changed", actor, "; ".join(changes) + why)
                    )
    return events


def patient_timeline(
    patient: Patient, *, visible_tasks, clinical: bool, notes: list[PatientNote], limit: int = TIMELINE_LIMIT
) -> list[Event]:
    """`notes`: the patient's latest notes, newest first, as the page read them for its Notes
    block (tasks.notes.latest_notes with this limit), so the timeline costs no query for them."""
    activities = (
        Activity.objects.filter(patient=patient, task__in=visible_tasks.values("pk"))
        .for_timeline()
        .select_related("task")
        .with_attempt_numbers()
    )
    events = [
        Event(a.created_at, a.headline, str(a.actor) if a.actor_id else "system", a.body, a)
        for a in activities[:limit]
    ]
    events += [
        Event(n.created_at, "Note about the patient", str(n.author) if n.author_id else "system", n.body)
        for n in notes[:limit]
    ]
    patient_rows = Patient.history.filter(id=patient.pk).select_related(
        "history_user", "care_team", "primary_provider", "location"
    )
    events += _history_events(
        patient_rows.order_by("-history_date")[: limit + 1], PATIENT_FIELDS, "Patient record"
    )
    if clinical:
        plan_ids = CarePlan.objects.filter(patient=patient).values("pk")
        plans = CarePlan.history.filter(id__in=plan_ids).select_related("history_user")
        events += _history_events(plans.order_by("-history_date")[: limit + 1], PLAN_FIELDS, "Care plan")
        goals = Goal.history.filter(care_plan_id__in=plan_ids).select_related("history_user")
        events += _history_events(goals.order_by("-history_date")[: limit + 1], GOAL_FIELDS, "Goal")
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit]
