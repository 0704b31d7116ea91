"""What the CCM panels show: on the patient page (consent, the month's minutes and codes, its
entries, the forms), in a task's panel (the timer) and on the printable page. The template tags
(ccm.templatetags.ccm_tags) and the views render these, so a panel and its htmx answer agree."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.utils import timezone

from ccm import actions, codes, totals
from ccm.checklist import states_for
from ccm.forms import ConsentForm, RevokeForm, TimeForm, TimerStopForm
from ccm.models import Consent, EntryKind, RunningTimer, StaffCategory, TimeEntry
from ccm.months import current_month, key, label
from tasks.models import Task


def month_context(patient, month: dt.date) -> dict:
    """A patient's month: the sums, the codes they earn, the next threshold, the entries, and
    the minutes by day and staff category (the printable page)."""
    entries = list(TimeEntry.objects.filter(patient=patient).in_month(month).for_list())
    sums = _sums(entries)
    state = states_for([patient.pk])[patient.pk]
    lines = codes.bill(
        month, clinical=sums["clinical"], physician=sums["physician"], complex_plan=state.is_complex
    )
    threshold = codes.next_threshold(month, sums["clinical"], complex_plan=state.is_complex)
    by_day: dict[tuple, int] = defaultdict(int)
    for entry in entries:
        if entry.billable:
            by_day[(entry.performed_on, entry.get_staff_category_display())] += entry.minutes
    return {
        "month": month,
        "month_key": key(month),
        "month_label": label(month),
        "sums": sums,
        "lines": lines,
        "next_threshold": threshold,
        "to_next": threshold - sums["clinical"] if threshold is not None else None,
        "entries": entries,
        "by_day": sorted((day, staff, minutes) for (day, staff), minutes in by_day.items()),
        "plan_state": state,
        "closed": actions.closed(month),
    }


def _sums(entries) -> dict:
    """The month's minutes from its entries, all loaded for the page anyway (what
    totals.patient_month sums in SQL): billable per staff category, and not billable."""
    sums = {StaffCategory.CLINICAL: 0, StaffCategory.PHYSICIAN: 0}
    unbillable = 0
    for entry in entries:
        if entry.billable:
            sums[entry.staff_category] += entry.minutes
        else:
            unbillable += entry.minutes
    return {
        "clinical": sums[StaffCategory.CLINICAL],
        "physician": sums[StaffCategory.PHYSICIAN],
        "unbillable": unbillable,
    }


def patient_context(user, patient) -> dict:
    """The patient page's panel: four queries (consents, the month's entries, the month closed
    or not, the CCM plan with its content counted)."""
    month = current_month()
    consents = list(Consent.objects.filter(patient=patient).select_related("recorded_by", "revoked_by"))
    open_consent = next((c for c in consents if c.revoked_on is None), None)
    context = month_context(patient, month)
    # actions.can_edit and can_adjust for this month's entries, without a query per entry.
    records = user.has_perm("ccm.record_time")
    for entry in context["entries"]:
        own_time = entry.kind == EntryKind.TIME and entry.author_id == user.pk
        entry.editable = records and own_time and context["closed"] is None
        entry.adjustable = records and entry.kind == EntryKind.TIME and context["closed"] is not None
    manage = user.has_perm("ccm.manage_consent")
    context.update(
        {
            "patient": patient,
            "consents": consents,
            "open_consent": open_consent,
            "consent_form": ConsentForm() if manage and open_consent is None else None,
            "revoke_form": RevokeForm() if manage and open_consent else None,
            "time_form": TimeForm() if user.has_perm("ccm.record_time") else None,
            "staff_category": actions.staff_category_for(user),
            "last_month_key": key((month - dt.timedelta(days=1)).replace(day=1)),
        }
    )
    return context


def timer_context(user, task, *, error: str | None = None, stop_form=None, done=None) -> dict:
    """The timer in a task's panel. The user's one timer (ccm.actions.start_timer) runs on this
    task, on another (the panel links to it: stop it there first), or nowhere. `done`: what the
    click that rendered it did, as (message level, words)."""
    running = RunningTimer.objects.filter(user=user).select_related("task__patient").first()
    here = running if running and running.task_id == task.pk else None
    elsewhere = running if running and here is None else None
    month = current_month()
    figures = totals.consent_and_month(task.patient_id, month)
    return {
        "task": task,
        "timer": here,
        "elsewhere": elsewhere,
        # Linked only while the user can still open that task (it may have left their teams).
        "elsewhere_open": elsewhere is not None
        and Task.objects.visible_to(user).filter(pk=elsewhere.task_id).exists(),
        "error": error,
        "done": done and done[1],
        "done_tag": done and messages.DEFAULT_TAGS[done[0]],
        "stop_form": stop_form or TimerStopForm(),
        "time_form": TimeForm(initial={"task": task.pk, "performed_on": timezone.localdate()}),
        "sums": figures,
        "month_label": label(month),
        "consent": figures["consented"],
        "task_entries": TimeEntry.objects.filter(task=task).in_month(month).for_list()[:10],
    }


def tiles_context(user) -> dict:
    """This month's CCM tiles of the dashboard: billable, within a few minutes of a threshold, no
    time yet (one pass over the user's consented patients, plus the complex ones)."""
    month = current_month()
    return {
        "tiles": totals.tiles(user, month, timezone.localdate()),
        "month_key": key(month),
        "month_label": label(month),
        "near": totals.NEAR,
    }
