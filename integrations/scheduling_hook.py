"""The one place an imported appointment change is announced (issue 13, the scheduling feed:
moved → anchored open tasks move with it; cancelled → their owners are told; no-show → the
template's outreach task). The scheduling feed lives in integrations/scheduling.py, built on
another branch; until they meet, this is a no-op stub with the call's final shape, and the FHIR
importer calls it for every appointment it creates, moves, cancels or marks no-show.

At merge: point this at integrations.scheduling.appointment_changed (or replace the callers'
import), keeping the signature."""

from __future__ import annotations


def appointment_changed(before, after, *, status: str = "booked", by=None) -> None:
    """`before`: an unsaved copy of the appointment as it was (None when new); `after`: the row
    as saved (None when it was removed, e.g. cancelled); `status`: the FHIR Appointment.status
    received (booked, cancelled, noshow, fulfilled...); `by`: the importing user (None: system).
    Called inside the import's transaction: whatever it writes is all-or-nothing with the rest."""
    return None
