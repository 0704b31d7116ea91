import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import PatientAccessLog
from careplans import actions as careplan_actions
from careplans import intake, timeline
from careplans.access import get_care_plan_for_user, get_patient_for_user
from careplans.forms import CarePlanClinicalForm, ClinicalForm, GoalFormSet, IntakeForm, PlannedRowForm
from careplans.models import Patient
from tasks.choices import CLOSED_STATUSES
from tasks.models import Task


@require_GET
@permission_required("careplans.view_patient", raise_exception=True)
def patient_list(request):
    patients = Patient.objects.visible_to(request.user).for_list()
    query = request.GET.get("q", "").strip()
    if query:
        patients = patients.filter(
            Q(mrn__iexact=query) | Q(last_name__istartswith=query) | Q(first_name__istartswith=query)
        )
    mine = request.GET.get("mine") == "1"
    if mine:
        patients = patients.filter(primary_provider=request.user)
    page = Paginator(patients, 50).get_page(request.GET.get("page"))
    return render(request, "careplans/patient_list.html", {"page": page, "query": query, "mine": mine})


@require_GET
def patient_detail(request, pk: int):
    patient = get_patient_for_user(request.user, pk)
    PatientAccessLog.objects.create(user=request.user, patient=patient, path=request.path[:300])
    clinical = request.user.has_perm("careplans.view_clinical")
    tasks = Task.objects.visible_to(request.user).filter(patient=patient).for_patient_page()
    open_tasks = list(tasks.open()[:100])
    recent_closed = list(tasks.filter(status__in=CLOSED_STATUSES).order_by("-updated_at")[:20])
    context = {
        "patient": patient,
        "clinical": clinical,
        "programs": patient.enrollments.select_related("program").filter(status="active"),
        "care_plans": patient.care_plans.for_patient_page() if clinical else [],
        "open_tasks": open_tasks,
        "recent_closed": recent_closed,
        "next_task": open_tasks[0] if open_tasks else None,
        "appointments": patient.appointments.select_related("provider").order_by("-starts_at")[:10],
        "timeline": timeline.patient_timeline(
            patient,
            visible_tasks=Task.objects.visible_to(request.user).filter(patient=patient),
            clinical=clinical,
        ),
    }
    return render(request, "careplans/patient_detail.html", context)


def _row_forms(request, patient, planned, *, bound: bool):
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
        )
        forms_.append((row, form))
    return forms_


@require_http_methods(["GET", "POST"])
def care_plan_intake(request, pk: int):
    """Pick a template, preview the tasks it will create (owners, due dates, recurrences), edit
    the rows, save once. GET previews (nothing is written); POST saves."""
    patient = get_patient_for_user(request.user, pk, perm="careplans.apply_template")
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
    rows = _row_forms(request, patient, planned, bound=request.method == "POST")
    ends_on = form.cleaned_data["ends_on"]
    picked = {
        "template": template.pk,
        "starts_on": form.cleaned_data["starts_on"].isoformat(),
        "ends_on": ends_on.isoformat() if ends_on else "",
    }
    context.update(
        rows=rows, template=template, picked=picked, intake_key=request.POST.get("intake_key") or uuid.uuid4()
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
        result = careplan_actions.apply_template(
            patient=patient,
            template=template,
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
            by=request.user,
            rows=chosen,
            intake_key=intake_key,
            goals=[careplan_actions.GoalInput(d, t) for d, t in clinical.goal_lines()] if clinical else [],
            interventions=clinical.cleaned_data.get("interventions", "") if clinical else "",
        )
    except careplan_actions.ActionError as refused:
        context["error"] = refused.message
        return render(request, "careplans/intake.html", context, status=400)
    if result.created:
        messages.success(request, f"Care plan saved with {result.task_count} tasks.")
    else:
        messages.info(request, "This care plan was already saved; nothing was created twice.")
    return redirect(patient)


@require_http_methods(["GET", "POST"])
def care_plan_edit(request, pk: int):
    """Providers edit the clinical part of a plan: status, end, interventions and goals."""
    plan = get_care_plan_for_user(request.user, pk, perm="careplans.edit_clinical")
    goals = list(plan.goals.all())
    initial_goals = [
        {"goal_id": g.pk, "description": g.description, "target": g.target, "status": g.status} for g in goals
    ]
    bound = request.method == "POST"
    form = CarePlanClinicalForm(
        request.POST if bound else None, instance=plan, initial={"version": plan.version}
    )
    goal_forms = GoalFormSet(request.POST if bound else None, initial=initial_goals, prefix="goals")
    context = {"plan": plan, "patient": plan.patient, "form": form, "goal_forms": goal_forms}
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
    try:
        careplan_actions.update_care_plan(
            plan,
            by=request.user,
            expected_version=form.cleaned_data["version"],
            status=form.cleaned_data["status"],
            ends_on=form.cleaned_data["ends_on"],
            interventions=form.cleaned_data["interventions"],
            goals=changes,
        )
    except careplan_actions.PlanVersionConflict as conflict:
        context["error"] = conflict.message
        return render(request, "careplans/care_plan_edit.html", context, status=409)
    except careplan_actions.ActionError as refused:
        context["error"] = refused.message
        return render(request, "careplans/care_plan_edit.html", context, status=400)
    messages.success(request, "Care plan saved.")
    return redirect(plan.patient)
