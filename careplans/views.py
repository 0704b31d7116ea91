from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from careplans import actions as careplan_actions
from careplans.access import get_care_plan_for_user
from careplans.forms import CarePlanClinicalForm, GoalFormSet
from careplans.models import Patient


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
