"""The pages about one patient's work: the patient page (record, plans, tasks, timeline) and
care plan intake (a template applied, its tasks previewed, then saved). They live with the
tasks because they show and make tasks; careplans holds the record and the clinical edit."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from careplans import actions as careplan_actions
from careplans.access import get_care_plan_for_user, get_patient_for_user, log_shown
from careplans.emergency import current_access
from careplans.forms import CarePlanClinicalForm, ClinicalForm, GoalFormSet, IntakeForm
from careplans.models import ENDED_PLAN_STATUSES, CarePlanStatus, Patient
from careplans.search import search_patients
from tasks import actions, intake, notes, progress, rowsets, timeline, transfer
from tasks.actions import ActionError
from tasks.choices import CLOSED_STATUSES, Status
from tasks.forms import AdHocTaskForm, PatientNoteForm, PlanClosingForm, PlannedRowForm
from tasks.models import Task
from tasks.rights import can_note_patient


def _next_task(open_tasks: list[Task]) -> Task | None:
    """The first open task someone can act on now (by due date): a task still waiting within its
    date is not, unless every open task is."""
    actionable = [t for t in open_tasks if t.status != Status.WAITING or t.is_wait_ended]
    return (actionable or open_tasks or [None])[0]


NOTES_SHOWN = 5  # on the patient page; the timeline below has the older ones


@require_GET
def patient_detail(request, pk: int):
    patient = get_patient_for_user(request.user, pk)
    return _patient_page(request, patient)


def _patient_page(request, patient, *, note_form=None, status: int = 200):
    """The patient page (a refused note comes back on it, with its error), written to the access
    log. A fixed number of queries whatever the number of plans, tasks and notes."""
    log_shown(request, [patient])
    clinical = request.user.has_perm("careplans.view_clinical")
    today = timezone.localdate()
    visible = Task.objects.visible_to(request.user).filter(patient=patient)
    tasks = rowsets.with_due_flags(visible.for_patient_page(), today)
    open_tasks = list(tasks.open()[:100])
    recent_closed = list(tasks.filter(status__in=CLOSED_STATUSES).order_by("-updated_at")[:20])
    care_plans = list(patient.care_plans.for_patient_page()) if clinical else []
    if care_plans:
        by_plan = progress.plan_progress(visible, today)
        for plan in care_plans:
            plan.progress = by_plan.get(plan.pk, progress.PlanProgress())
            plan.all_closed = progress.proposed(plan, by_plan.get(plan.pk))
    latest = notes.latest_notes(patient, limit=timeline.TIMELINE_LIMIT)
    context = {
        "patient": patient,
        "emergency": current_access(request.user, patient.pk),
        "today": today,
        "clinical": clinical,
        "programs": patient.enrollments.select_related("program").filter(status="active"),
        "care_plans": care_plans,
        "open_tasks": open_tasks,
        "recent_closed": recent_closed,
        "next_task": _next_task(open_tasks),
        "offers_transfer": transfer.offers_transfer(request.user, patient),
        "appointments": patient.appointments.select_related("provider").order_by("-starts_at")[:10],
        "notes": latest[:NOTES_SHOWN],
        "more_notes": len(latest) > NOTES_SHOWN,
        # The page is the patient's, so only the right is asked here; the action checks both.
        "note_form": note_form or (PatientNoteForm() if request.user.has_perm("tasks.work_task") else None),
        "timeline": timeline.patient_timeline(
            patient, visible_tasks=visible, clinical=clinical, notes=latest
        ),
    }
    return render(request, "careplans/patient_detail.html", context, status=status)


@require_POST
def patient_note_add(request, pk: int):
    """A note about the patient, not one task (tasks.notes.add_patient_note)."""
    patient = get_patient_for_user(request.user, pk)
    if not can_note_patient(request.user, patient):
        raise PermissionDenied
    form = PatientNoteForm(request.POST)
    if form.is_valid():
        log_shown(request, [patient])  # a refused note is logged by the patient page it returns to
        try:
            notes.add_patient_note(patient, by=request.user, body=form.cleaned_data["body"])
        except actions.NotAllowed:
            raise
        except ActionError as refused:
            form.add_error("body", refused.message)
        else:
            messages.success(request, "Note added.")
            return redirect(f"{patient.get_absolute_url()}#notes")
    return _patient_page(request, patient, note_form=form, status=400)


def _row_forms(request, patient, planned, *, plan_start, bound: bool):
    forms_ = []
    for row in planned:
        initial = {
            "include": True,
            "title": row.title,
            "owner": row.owner.pk if row.owner else None,
            "due_on": row.due_on,
            "priority": row.priority,
        }
        form = PlannedRowForm(
            request.POST if bound else None,
            initial=initial,
            prefix=f"t{row.template_task.pk}",
            team_id=patient.care_team_id,
            plan_start=plan_start,
            kind=row.kind,
        )
        forms_.append((row, form))
    return forms_


@require_http_methods(["GET", "POST"])
def care_plan_intake(request, pk: int):
    """Pick a template, preview the tasks it will create (owners, due dates, recurrences), edit
    the rows, save once. GET previews (nothing is written); POST saves."""
    patient = get_patient_for_user(request.user, pk, perm="careplans.apply_template")
    log_shown(request, [patient])
    clinical_allowed = request.user.has_perm("careplans.edit_clinical")
    data = request.POST if request.method == "POST" else (request.GET if "template" in request.GET else None)
    form = IntakeForm(data, initial={"starts_on": timezone.localdate()})
    clinical = ClinicalForm(request.POST or None) if clinical_allowed else None
    context = {"patient": patient, "form": form, "clinical": clinical, "rows": None}
    if data is None or not form.is_valid():
        return render(request, "careplans/intake.html", context, status=400 if data and form.errors else 200)

    template = form.cleaned_data["template"]
    planned = intake.preview(
        patient=patient,
        template=template,
        starts_on=form.cleaned_data["starts_on"],
        ends_on=form.cleaned_data["ends_on"],
    )
    rows = _row_forms(
        request, patient, planned, plan_start=form.cleaned_data["starts_on"], bound=request.method == "POST"
    )
    ends_on = form.cleaned_data["ends_on"]
    picked = {
        "template": template.pk,
        "starts_on": form.cleaned_data["starts_on"].isoformat(),
        "ends_on": ends_on.isoformat() if ends_on else "",
    }
    context.update(
        rows=rows,
        template=template,
        picked=picked,
        intake_key=request.POST.get("intake_key") or uuid.uuid4(),
        existing_plan=intake.active_plan(patient, template),
        again_reason=request.POST.get("again_reason", ""),
    )
    if request.method == "GET":
        return render(request, "careplans/intake.html", context)

    if not all(row_form.is_valid() for _, row_form in rows) or (clinical and not clinical.is_valid()):
        return render(request, "careplans/intake.html", context, status=400)
    chosen = []
    for row, row_form in rows:
        if not row_form.cleaned_data["include"]:
            continue
        edited = row_form.cleaned_data
        row.title, row.owner, row.due_on, row.priority = (
            edited["title"],
            edited["owner"],
            edited["due_on"],
            edited["priority"],
        )
        chosen.append(row)
    try:
        intake_key = uuid.UUID(str(request.POST.get("intake_key", "")))
    except ValueError:
        return HttpResponseBadRequest("The form is missing its key; reload the preview.")
    try:
        result = intake.apply_template(
            patient=patient,
            template=template,
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
            by=request.user,
            rows=chosen,
            intake_key=intake_key,
            goals=[intake.GoalInput(d, t) for d, t in clinical.goal_lines()] if clinical else [],
            interventions=clinical.cleaned_data.get("interventions", "") if clinical else "",
            again_reason=request.POST.get("again_reason", ""),
        )
    except ActionError as refused:
        context["error"] = refused.message
        return render(request, "careplans/intake.html", context, status=400)
    if result.created:
        messages.success(request, f"Care plan saved with {result.task_count} tasks.")
    else:
        messages.info(request, "This care plan was already saved; nothing was created twice.")
    return redirect(patient)


def _may_create_tasks(user) -> bool:
    return user.has_perm("tasks.add_task") or user.has_perm("tasks.add_scheduling_task")


# The patients a "New task" search offers at most; a longer list asks for a closer search.
PICK_MATCHES = 25


@never_cache
@require_GET
def task_new_pick(request):
    """New task from My work: first the patient, found by the same search as the header's (name
    either way, MRN, date of birth, phone); each match leads to the new-task form for them."""
    if not _may_create_tasks(request.user):
        raise PermissionDenied
    query = request.GET.get("q", "").strip()
    found = []
    if len(query) >= 2:
        matches = search_patients(Patient.objects.visible_to(request.user), query).for_search_dropdown()
        found = list(matches[: PICK_MATCHES + 1])
    shown = found[:PICK_MATCHES]
    log_shown(request, shown)
    context = {"query": query, "patients": shown, "more": len(found) > PICK_MATCHES}
    template = "tasks/_task_pick_results.html" if request.htmx else "tasks/task_pick.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def task_create(request, pk: int):
    """A one-off task on this patient (tasks.actions.create_task checks the rights again: front
    desk creates scheduling and outreach work only). Started from My work (`from=work`), it
    returns there."""
    patient = get_patient_for_user(request.user, pk)
    if not _may_create_tasks(request.user):
        raise PermissionDenied
    log_shown(request, [patient])
    bound = request.method == "POST"
    form = AdHocTaskForm(request.POST if bound else None, patient=patient, user=request.user)
    from_work = request.GET.get("from") == "work"
    context = {"patient": patient, "form": form, "from_work": from_work}
    if not bound:
        return render(request, "tasks/task_new.html", context)
    if not form.is_valid():
        return render(request, "tasks/task_new.html", context, status=400)
    data = form.cleaned_data
    try:
        task = actions.create_task(
            patient=patient,
            by=request.user,
            title=data["title"],
            kind=data["kind"],
            owner=data["owner"],
            due_on=data["due_on"],
            priority=data["priority"],
            care_plan=data.get("care_plan"),
            note=data["note"].strip(),
        )
    except ActionError as refused:
        context["error"] = refused.message
        return render(request, "tasks/task_new.html", context, status=400)
    messages.success(request, f"Task created: {task.title}, due {task.due_on:%m/%d/%Y}, owner {task.owner}.")
    return redirect("my_work" if from_work else patient)


@require_http_methods(["GET", "POST"])
def care_plan_edit(request, pk: int):
    """Providers edit the clinical part of a plan: status, end, interventions and goals. Ending
    the plan (completed, revoked) offers to cancel its open tasks in the same step."""
    plan = get_care_plan_for_user(request.user, pk, perm="careplans.edit_clinical")
    log_shown(request, [plan.patient])
    was_ended = plan.status in ENDED_PLAN_STATUSES  # before the form writes its values onto `plan`
    goals = list(plan.goals.all())
    initial_goals = [
        {"goal_id": g.pk, "description": g.description, "target": g.target, "status": g.status} for g in goals
    ]
    bound = request.method == "POST"
    initial = {"version": plan.version}
    if request.GET.get("complete") and plan.status not in ENDED_PLAN_STATUSES:
        initial["status"] = CarePlanStatus.COMPLETED  # from "complete the plan?": all its tasks closed
    form = CarePlanClinicalForm(request.POST if bound else None, instance=plan, initial=initial)
    goal_forms = GoalFormSet(request.POST if bound else None, initial=initial_goals, prefix="goals")
    open_tasks = Task.objects.visible_to(request.user).filter(care_plan=plan).open().count()
    closing = PlanClosingForm(request.POST if bound else None)
    context = {
        "plan": plan,
        "patient": plan.patient,
        "form": form,
        "goal_forms": goal_forms,
        "open_tasks": open_tasks,
        "closing": closing,
    }
    if not bound:
        return render(request, "careplans/care_plan_edit.html", context)
    if not (form.is_valid() and goal_forms.is_valid()):
        return render(request, "careplans/care_plan_edit.html", context, status=400)
    changes = [
        careplan_actions.GoalChange(
            goal_id=row.get("goal_id"),
            description=row["description"],
            target=row.get("target", ""),
            status=row["status"],
        )
        for row in goal_forms.cleaned_data
        if row and (row.get("goal_id") or row.get("description", "").strip())
    ]
    ending = form.cleaned_data["status"] in ENDED_PLAN_STATUSES and not was_ended
    cancel_tasks = ending and closing.is_valid() and closing.cleaned_data["cancel_open_tasks"]
    if cancel_tasks and not closing.cleaned_data["reason"].strip():
        closing.add_error("reason", "Say why the plan's open tasks end: their timelines keep it.")
        return render(request, "careplans/care_plan_edit.html", context, status=400)
    try:
        with transaction.atomic():  # the plan and its tasks end together, or neither
            careplan_actions.update_care_plan(
                plan,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                status=form.cleaned_data["status"],
                ends_on=form.cleaned_data["ends_on"],
                interventions=form.cleaned_data["interventions"],
                goals=changes,
            )
            if cancel_tasks:
                status = CarePlanStatus(form.cleaned_data["status"]).label.lower()
                actions.cancel_plan_tasks(
                    plan,
                    by=request.user,
                    reason=f"Care plan {status}: {closing.cleaned_data['reason'].strip()}",
                )
    except careplan_actions.PlanVersionConflict as conflict:
        context["error"] = conflict.message
        return render(request, "careplans/care_plan_edit.html", context, status=409)
    except careplan_actions.ActionError as refused:
        context["error"] = refused.message
        return render(request, "careplans/care_plan_edit.html", context, status=400)
    messages.success(request, "Care plan saved.")
    return redirect(plan.patient)
