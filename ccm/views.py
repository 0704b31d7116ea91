"""CCM pages: the worklist, a patient's consent and time (forms posted from the panels that
ccm.templatetags puts on the patient page and the task panel), a time entry's edit or
adjustment, the task panel's timer, a CCM plan's checklist, and the billing export."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.errors import ActionError, NotAllowed
from careplans.access import (
    get_care_plan_for_user,
    get_patient_for_user,
    log_export,
    log_shown,
    log_tasks_shown,
)
from careplans.models import Patient
from ccm import actions, billing, checklist, panels, totals
from ccm.access import get_entry_for_user
from ccm.forms import (
    AdjustForm,
    ChecklistForm,
    ConsentForm,
    CopyForm,
    EditTimeForm,
    ExportForm,
    RevokeForm,
    TimeForm,
    TimerStopForm,
)
from ccm.months import current_month, key, label, next_month, parse_month, previous_month
from tasks.access import get_task_for_user
from tasks.exports import csv_safe

PER_PAGE = 50
PREVIEW_ROWS = 200  # the billing page shows the first rows; the CSV holds them all


def _month(request, field: str = "month"):
    return parse_month(request.GET.get(field)) or current_month()


@require_GET
@permission_required("ccm.view_ccm", raise_exception=True)
def worklist(request):
    """CCM this month: the user's consented patients, those closest to earning the month first."""
    today = timezone.localdate()
    month = _month(request)
    show = request.GET.get("show") if request.GET.get("show") in totals.SHOWS else None
    complex_ids = totals.complex_patient_ids()  # read once for the list and the tiles
    rows = totals.for_worklist(request.user, month, today, show, complex_ids=complex_ids)
    tiles = totals.tiles(request.user, month, today, complex_ids=complex_ids)
    paginator = Paginator(rows, PER_PAGE)
    # The count is the tiles' (the list's own count would aggregate the month once more).
    paginator.count = getattr(tiles, show) if show else tiles.consented
    page = paginator.get_page(request.GET.get("page"))
    patients = totals.with_patients(list(page.object_list))
    log_shown(request, patients)
    states = checklist.states_for([p.pk for p in patients])
    for patient in patients:
        patient.plan_state = states[patient.pk]
    context = {
        "page": page,
        "patients": patients,
        "month": month,
        "month_key": key(month),
        "month_label": label(month),
        "previous_key": key(previous_month(month)),
        "next_key": key(next_month(month)) if month < current_month() else None,
        "show": show,
        "tiles": tiles,
        "close": totals.CLOSE,
        "near": totals.NEAR,
        "ending_days": totals.MONTH_ENDING_DAYS,
    }
    return render(request, "ccm/worklist.html", context)


@require_GET
@permission_required("ccm.view_ccm", raise_exception=True)
def dashboard_tiles(request):
    """The dashboard's CCM tiles, loaded by the dashboard after it has drawn (htmx): the month's
    counts of every consented patient cost a pass over them, which the overdue figures do not
    wait for. Counts only, no patient named."""
    return render(request, "ccm/_dashboard_tiles.html", panels.tiles_context(request.user))


def _back(patient, task=None) -> str:
    return f"{task.get_absolute_url()}#ccm" if task else f"{patient.get_absolute_url()}#ccm"


def _refused(request, patient, refused: ActionError, task=None):
    messages.error(request, refused.message)
    return redirect(_back(patient, task))


def _form_errors(form) -> str:
    return " ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {e}".strip(": ")
        for f, es in form.errors.items()
        for e in es
    )


def _consent_change(request, pk: int, form_class, action, *, done: str, failed: str):
    """Record or revoke a patient's consent: the form, the action, the message, back to the page."""
    patient = get_patient_for_user(request.user, pk, perm="ccm.manage_consent")
    log_shown(request, [patient])
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, f"{failed} {_form_errors(form)}")
        return redirect(_back(patient))
    try:
        action(patient, by=request.user, **form.cleaned_data)
    except NotAllowed:
        raise
    except ActionError as refused:
        return _refused(request, patient, refused)
    messages.success(request, done)
    return redirect(_back(patient))


@require_POST
def consent_record(request, pk: int):
    return _consent_change(
        request,
        pk,
        ConsentForm,
        actions.record_consent,
        done="CCM consent recorded.",
        failed="Consent not recorded.",
    )


@require_POST
def consent_revoke(request, pk: int):
    return _consent_change(
        request,
        pk,
        RevokeForm,
        actions.revoke_consent,
        done="CCM consent revoked.",
        failed="Consent not revoked.",
    )


@require_POST
def time_add(request, pk: int):
    """Time by hand, on the patient or (with `task`) on one of their tasks."""
    patient = get_patient_for_user(request.user, pk, perm="ccm.record_time")
    log_shown(request, [patient])
    form = TimeForm(request.POST)
    task = None
    if form.is_valid() and form.cleaned_data["task"]:
        task = get_task_for_user(request.user, form.cleaned_data["task"])
        if task.patient_id != patient.pk:
            raise PermissionDenied
    if not form.is_valid():
        messages.error(request, f"Time not recorded. {_form_errors(form)}")
        return redirect(_back(patient, task))
    data = form.cleaned_data
    try:
        entry = actions.add_time(
            patient,
            by=request.user,
            performed_on=data["performed_on"],
            minutes=data["minutes"],
            description=data["description"],
            task=task,
        )
    except NotAllowed:
        raise
    except ActionError as refused:
        return _refused(request, patient, refused, task)
    messages.success(request, f"{entry.minutes} min recorded.")
    return redirect(_back(patient, task))


@require_http_methods(["GET", "POST"])
def time_edit(request, pk: int):
    """An entry: its author edits it within its month; once the month is over or closed, a
    correction is an adjustment with its reason."""
    entry = get_entry_for_user(request.user, pk)
    log_shown(request, [entry.patient])
    editable = actions.can_edit(request.user, entry)
    adjustable = actions.can_adjust(request.user, entry)
    if request.method == "POST" and not (editable or adjustable):
        raise PermissionDenied
    form = None
    if editable:
        initial = {f: getattr(entry, f) for f in ("performed_on", "minutes", "description", "version")}
        form = EditTimeForm(request.POST or None, initial=initial)
    elif adjustable:
        form = AdjustForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if editable:
                    actions.edit_time(entry, by=request.user, **form.cleaned_data)
                    messages.success(request, "Time entry changed.")
                else:
                    actions.adjust_time(entry, by=request.user, **form.cleaned_data)
                    messages.success(request, "Adjustment recorded.")
                return redirect(_back(entry.patient))
            except NotAllowed:
                raise
            except ActionError as refused:
                form.add_error(None, refused.message)
        status = 400
    context = {
        "entry": entry,
        "form": form,
        "editable": editable,
        "history": entry.history.select_related("history_user").order_by("-history_date")[:20],
        "adjustments": entry.adjustments.select_related("author").order_by("created_at"),
    }
    return render(request, "ccm/time_entry.html", context, status=status)


def _recorded(entry) -> tuple[int, str]:
    """What stopping the timer recorded (a message level and its words)."""
    if entry is None:
        return messages.INFO, "Under 30 seconds: no time recorded."
    plural = "s" if entry.minutes != 1 else ""
    return messages.SUCCESS, f"Recorded {entry.minutes} minute{plural} (the timer, to the nearest minute)."


@require_POST
def timer(request, pk: int, verb: str):
    """The task panel's timer: start, stop (a time entry on the task), discard, or discard the
    user's timer running on a task they can no longer open (discard-elsewhere). An htmx post
    gets the timer's partial back with what happened in it (a message queued for the next page
    would show one click late); a plain post goes back to the task with it as a message."""
    task = get_task_for_user(request.user, pk)
    if verb not in ("start", "stop", "discard", "discard-elsewhere"):
        raise PermissionDenied
    if not request.user.has_perm("ccm.record_time"):
        raise PermissionDenied
    log_tasks_shown(request, [task])
    error, status, form, done = None, 200, None, None
    try:
        if verb == "start":
            actions.start_timer(task, by=request.user)
        elif verb == "discard":
            actions.discard_timer(task, by=request.user)
        elif verb == "discard-elsewhere":
            actions.discard_own_timer(by=request.user)
        else:
            form = TimerStopForm(request.POST)
            if not form.is_valid():
                raise ActionError("Say what was done before stopping the timer.")
            done = _recorded(actions.stop_timer(task, by=request.user, **form.cleaned_data))
            form = None
    except NotAllowed:
        raise
    except ActionError as refused:
        error, status = refused.message, 400
    if request.htmx:
        context = panels.timer_context(request.user, task, error=error, stop_form=form, done=done)
        return render(request, "ccm/_timer.html", context, status=status)
    if error:
        messages.error(request, error)
    elif done:
        messages.add_message(request, *done)
    return redirect(f"{task.get_absolute_url()}#ccm")


@require_http_methods(["GET", "POST"])
def plan_checklist(request, pk: int):
    """A CCM plan's CMS elements: met from its content or marked by a provider; the copy given."""
    plan = get_care_plan_for_user(request.user, pk)
    if not request.user.has_perm("ccm.view_ccm") or not checklist.is_ccm_plan(plan):
        raise PermissionDenied
    log_shown(request, [plan.patient])
    state = checklist.state_of(plan)
    current = state.checklist
    initial = {"version": current.version if current else 1, "is_complex": state.is_complex}
    initial.update({e.name: e.marked for e in state.elements})
    # Elements the plan's content meets show met, not as a box to tick; their marks stay as they are.
    derived = {e.name for e in state.elements if e.derived}
    provider = request.user.has_perm("careplans.edit_clinical")
    marks = ChecklistForm(initial=initial, derived=derived) if provider else None
    copy = CopyForm() if (request.user.has_perm("ccm.manage_consent") or marks) else None
    status = 200
    if request.method == "POST":
        which = request.POST.get("form")
        if which == "marks":
            form = ChecklistForm(request.POST, initial=initial, derived=derived)
        else:
            form = CopyForm(request.POST)
        if (which == "marks" and marks is None) or (which != "marks" and copy is None):
            raise PermissionDenied
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if which == "marks":
                    actions.mark_checklist(
                        plan,
                        by=request.user,
                        version=data.pop("version"),
                        is_complex=data.pop("is_complex"),
                        marked=data,
                    )
                    messages.success(request, "Checklist saved.")
                else:
                    actions.record_copy(plan, by=request.user, **data)
                    messages.success(request, "Copy given to the patient recorded.")
                return redirect(reverse("ccm_checklist", args=[plan.pk]))
            except NotAllowed:
                raise
            except ActionError as refused:
                form.add_error(None, refused.message)
        if which == "marks":
            marks = form
        else:
            copy = form
        status = 400
    context = {
        "plan": plan,
        "patient": plan.patient,
        "state": state,
        "marks": marks,
        "mark_rows": [(e, marks[e.name]) for e in state.elements] if marks else [],
        "copy": copy,
    }
    return render(request, "ccm/checklist.html", context, status=status)


@require_GET
def patient_print(request, pk: int):
    """A patient's month for the chart, to print: minutes by date and staff, totals, codes."""
    patient = get_patient_for_user(request.user, pk, perm="ccm.view_ccm")
    month = _month(request)
    log_shown(request, [patient])
    context = panels.month_context(patient, month)
    context["patient"] = patient
    return render(request, "ccm/print.html", context)


@require_GET
@permission_required("ccm.export_billing", raise_exception=True)
def billing_page(request):
    """A month's billing, before it is exported: the rows the CSV will hold."""
    month = _month(request)
    rows = billing.rows_for(_patients(request.user), month)
    log_export(request, patient_count=len({r.patient.pk for r in rows}))
    context = {
        "month": month,
        "month_key": key(month),
        "month_label": label(month),
        "rows": rows[:PREVIEW_ROWS],
        "row_count": len(rows),
        "closed": actions.closed(month),
        "current": month == current_month(),
        "form": ExportForm(initial={"month": key(month)}),
        "header": billing.HEADER,
    }
    return render(request, "ccm/billing.html", context)


def _patients(user):
    return Patient.objects.visible_to(user)


@require_POST
@permission_required("ccm.export_billing", raise_exception=True)
def billing_export(request):
    """The month's billing as CSV. Exporting closes the month: from now on its time is adjusted,
    not edited."""
    form = ExportForm(request.POST)
    month = parse_month(request.POST.get("month")) if form.is_valid() else None
    if month is None:
        messages.error(request, "Enter a month as YYYY-MM.")
        return redirect("ccm_billing")
    if month == current_month() and not actions.closed(month) and not request.POST.get("close_early"):
        # Exporting closes the month; before it ends that stops everyone recording time by hand,
        # so it takes a tick that says so (rule export-before-month-end).
        messages.error(
            request,
            f"{month:%B %Y} has not ended. Tick “Close {month:%B %Y} now” to export it and close it "
            "before the month is over (rule: export-before-month-end).",
        )
        return redirect(f"{reverse('ccm_billing')}?month={key(month)}")
    try:
        actions.close_month(month, by=request.user)
    except NotAllowed:
        raise
    except ActionError as refused:
        messages.error(request, refused.message)
        return redirect(f"{reverse('ccm_billing')}?month={key(month)}")
    rows = billing.rows_for(_patients(request.user), month)
    log_export(request, patient_count=len({r.patient.pk for r in rows}))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ccm-billing-{key(month)}.csv"'
    writer = csv.writer(response)
    writer.writerow(billing.HEADER)
    writer.writerows([csv_safe(cell) for cell in row.cells(month)] for row in rows)
    return response
