"""The transfer page: choose the team, preview the patient's open tasks with the owner proposed
for each in the new team (each can be changed), give a reason, confirm. GET previews (nothing is
written); POST moves the patient through tasks.transfer.transfer_patient."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.errors import ActionError
from careplans.access import log_shown
from careplans.models import Patient
from tasks.access import get_patient_for_transfer
from tasks.forms import TransferForm, TransferOwnerForm, TransferPickForm
from tasks.models import Task
from tasks.transfer import TransferConflict, check_version, destinations, preview_transfer, transfer_patient


def _back_url(user, patient: Patient) -> str:
    """Where the page leads back to: the patient's page, or for an admin, who sees no patient
    page (they work in no team), the patient in the Django admin."""
    if Patient.objects.visible_to(user).filter(pk=patient.pk).exists():
        return patient.get_absolute_url()
    return reverse("admin:careplans_patient_change", args=[patient.pk])


def _owner_forms(data, preview):
    return [
        (
            row,
            TransferOwnerForm(
                data,
                prefix=f"t{row.task.pk}",
                members=preview.members,
                kind=row.task.kind,
                initial={"owner": row.proposed.pk if row.proposed else ""},
            ),
        )
        for row in preview.rows
    ]


@never_cache
@require_http_methods(["GET", "POST"])
def patient_transfer(request, pk: int):
    patient = get_patient_for_transfer(request.user, pk)
    log_shown(request, [patient])
    teams = destinations(request.user, patient)
    posted = request.method == "POST"
    data = request.POST if posted else (request.GET if "to_team" in request.GET else None)
    pick = TransferPickForm(data, teams=teams)
    context = {"patient": patient, "pick": pick, "has_teams": teams.exists(), "preview": None}
    context["back_url"] = _back_url(request.user, patient)
    if data is None or not pick.is_valid():
        return render(request, "tasks/patient_transfer.html", context, status=400 if posted else 200)

    to_team = pick.cleaned_data["to_team"]
    preview = preview_transfer(patient, to_team=to_team)
    task_count = Task.objects.filter(patient=patient).count()
    form = TransferForm(request.POST if posted else None, initial={"version": preview.version})
    rows = _owner_forms(request.POST if posted else None, preview)
    context.update(
        to_team=to_team,
        preview=preview,
        form=form,
        rows=rows,
        task_count=task_count,
        closed_count=task_count - len(preview.rows),
        today=timezone.localdate(),
        provider_stays=patient.primary_provider_id is None
        or patient.primary_provider_id in preview.member_ids,
    )
    if not posted:
        return render(request, "tasks/patient_transfer.html", context)
    try:
        # Before the rows: a task added since the preview has no owner field in the form.
        check_version(patient, preview, request.POST.get("version", ""))
        if not form.is_valid() or not all(row_form.is_valid() for _, row_form in rows):
            return render(request, "tasks/patient_transfer.html", context, status=400)
        members = {member.pk: member for member in preview.members}
        result = transfer_patient(
            patient,
            by=request.user,
            to_team=to_team,
            reason=form.cleaned_data["reason"],
            owners={row.task.pk: members[row_form.cleaned_data["owner"]] for row, row_form in rows},
            expected_version=form.cleaned_data["version"],
        )
    except TransferConflict as conflict:
        # The preview the user confirmed is out of date: show the current one, keep the reason.
        patient.refresh_from_db()
        preview = preview_transfer(patient, to_team=to_team)
        context.update(
            error=conflict.message,
            preview=preview,
            form=TransferForm(initial={"version": preview.version, "reason": request.POST.get("reason", "")}),
            rows=_owner_forms(None, preview),
        )
        return render(request, "tasks/patient_transfer.html", context, status=409)
    except ActionError as refused:
        context["error"] = refused.message
        return render(request, "tasks/patient_transfer.html", context, status=400)
    moved, reassigned = result.tasks_moved, result.reassigned
    messages.success(
        request,
        f"{patient.full_name} moved from {result.from_team} to {to_team} with {moved} "
        f"task{pluralize(moved)}; {reassigned} open task{pluralize(reassigned)} changed owner.",
    )
    return redirect(_back_url(request.user, patient))
