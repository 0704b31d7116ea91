"""Notes about a patient rather than one task ("prefers calls after 3 pm", "daughter is the
contact"): the action that writes one, and the read the patient page shows them from. A note on
a task, or a contact attempt, is tasks.actions.add_note: it belongs to that task's timeline."""

from __future__ import annotations

from django.db import transaction

from accounts.errors import NotAllowed, RuleViolation
from careplans.models import Patient
from tasks.models import PatientNote
from tasks.rights import can_note_patient

NOTE_MAX_LENGTH = 1000


def add_patient_note(patient: Patient, *, by, body: str) -> PatientNote:
    """Who may note a task may note its patient (tasks.rights.can_note_patient). The note is its
    own audit row (author, time) and gets a history row with its author, in one transaction."""
    if not can_note_patient(by, patient):
        raise NotAllowed("Your role cannot add notes about this patient.")
    body = (body or "").strip()
    if not body:
        raise RuleViolation("Write the note.", rule="note-needs-text")
    if len(body) > NOTE_MAX_LENGTH:
        raise RuleViolation(
            f"Keep a note under {NOTE_MAX_LENGTH} characters; the EHR holds the narrative.",
            rule="patient-note-short",
        )
    with transaction.atomic():
        note = PatientNote(patient=patient, author=by, body=body)
        note._history_user = by
        note._change_reason = "note added"
        note.save()
    return note


def latest_notes(patient: Patient, *, limit: int):
    """The patient's notes, newest first, with their authors: one query."""
    return list(
        PatientNote.objects.filter(patient=patient)
        .select_related("author")
        .order_by("-created_at", "-pk")[:limit]
    )
