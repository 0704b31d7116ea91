from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from careplans.access import log_export, log_tasks_shown
from careplans.emergency import current_access
from careplans.paging import bounded_page
from config.replica import replica_reads
from tasks import actions, exports, forms, progress, queues, rights, rowsets, saved_filters
from tasks.access import get_saved_filter_for_user, get_task_for_user
from tasks.choices import OPEN_STATUSES
from tasks.filters import TaskFilter
from tasks.forms import BulkCancelForm, BulkReassignForm, BulkRescheduleForm, SaveFilterForm
from tasks.models import Activity, SavedFilter, Task

QUEUE_PAGE_SIZE = 100

# verb → (form, how to call the action with the cleaned data, may the user do it?)
VERBS = {
    "start": (
        forms.StartForm,
        lambda t, d, u: actions.start_task(t, by=u, expected_version=d["version"]),
        rights.can_work,
    ),
    "wait": (
        forms.WaitForm,
        lambda t, d, u: actions.wait_task(
            t,
            by=u,
            reason=d["reason"],
            until=d["until"],
            note=d["note"],
            expected_version=d["version"],
        ),
        rights.can_work,
    ),
    "resume": (
        forms.ResumeForm,
        lambda t, d, u: actions.resume_task(t, by=u, note=d["note"], expected_version=d["version"]),
        rights.can_work,
    ),
    "complete": (
        forms.CompleteForm,
        lambda t, d, u: actions.complete_task(
            t,
            by=u,
            outcome=d["outcome"],
            override_reason=d.get("override_reason", ""),
            cancel_earlier=d.get("cancel_earlier", False),
            expected_version=d["version"],
        ),
        rights.can_work,
    ),
    "cancel": (
        forms.CancelForm,
        lambda t, d, u: actions.cancel_task(t, by=u, reason=d["reason"], expected_version=d["version"]),
        rights.can_work,
    ),
    "reopen": (
        forms.ReopenForm,
        lambda t, d, u: actions.reopen_task(t, by=u, reason=d["reason"], expected_version=d["version"]),
        rights.can_reopen,
    ),
    "reassign": (
        forms.ReassignForm,
        lambda t, d, u: actions.reassign_task(
            t, by=u, to=d["to"], reason=d["reason"], expected_version=d["version"]
        ),
        rights.can_reassign,
    ),
    "change": (
        forms.ChangeForm,
        lambda t, d, u: actions.change_task(
            t,
            by=u,
            reason=d["reason"],
            title=d["title"],
            kind=d["kind"],
            due_on=d["due_on"],
            priority=d["priority"],
            expected_version=d["version"],
        ),
        rights.can_work,
    ),
    "note": (
        forms.NoteForm,
        lambda t, d, u: actions.add_note(t, by=u, body=d["body"]),
        rights.can_note,
    ),
    "attempt": (
        forms.ContactAttemptForm,
        lambda t, d, u: actions.add_note(
            t,
            by=u,
            body=d["body"],
            contact_outcome=d["contact_outcome"],
            call_back_on=d["call_back_on"],
            close_task=d.get("close_task", False),
        ),
        rights.can_note,
    ),
}


# The statuses each verb applies to, from the status table in actions; a verb not listed applies
# to any status. Offering only these keeps the page from showing buttons the rules would refuse.
VERB_STATUSES = {
    "start": actions.START.allowed_from,
    "wait": actions.WAIT.allowed_from,
    "resume": actions.RESUME.allowed_from,
    "complete": actions.COMPLETE.allowed_from,
    "cancel": actions.CANCEL.allowed_from,
    "reopen": actions.REOPEN.allowed_from,
    "reassign": actions.REASSIGN_FROM,
    "change": actions.CHANGE_FROM,
    "attempt": OPEN_STATUSES,  # a closed task's patient is reached through a new task or a note
}


def _form_kwargs(form_class, task, user) -> dict:
    """What a verb's form needs beyond the POST: the task (reassign: its team; change: its
    fields; complete: what it waits for), and the user (change: the types they may give;
    complete: whether they may override the order; wait: how long they may set; attempt: whether
    they may close the task)."""
    if form_class is forms.ReassignForm:
        return {"task": task}
    if form_class in (forms.ChangeForm, forms.CompleteForm, forms.WaitForm, forms.ContactAttemptForm):
        return {"task": task, "user": user}
    return {}


def _forms_for(task, user, bound=None):
    """The unbound forms for every verb this user may use now, plus the bound one that failed."""
    available = {}
    answers = {}  # each right asked once: note and attempt share can_note, a query
    for verb, (form_class, _, allowed) in VERBS.items():
        if verb in VERB_STATUSES and task.status not in VERB_STATUSES[verb]:
            continue
        if allowed not in answers:
            answers[allowed] = allowed(user, task)
        if not answers[allowed]:
            continue
        if bound and bound[0] == verb:
            available[verb] = bound[1]
            continue
        kwargs = _form_kwargs(form_class, task, user)
        initial = {"version": task.version}
        available[verb] = form_class(initial=initial, prefix=verb, **kwargs)
    return available


def _render_task(request, task, *, bound=None, error=None, status=200):
    context = {
        "task": task,
        "emergency": current_access(request.user, task.patient_id),
        "conflict": status == 409,
        "forms": _forms_for(task, request.user, bound),
        "error": error,
        "activities": Activity.objects.filter(task=task).for_timeline().with_attempt_numbers()[:50],
        "plan_to_complete": progress.plan_to_complete(task, user=request.user, today=timezone.localdate()),
    }
    template = "tasks/_task_panel.html" if request.htmx else "tasks/task_detail.html"
    return render(request, template, context, status=status)


@require_GET
def task_detail(request, pk: int):
    task = get_task_for_user(request.user, pk)
    log_tasks_shown(request, [task])
    return _render_task(request, task)


@require_POST
def task_action(request, pk: int, verb: str):
    task = get_task_for_user(request.user, pk, perm="tasks.view_task")
    if verb not in VERBS:
        return _render_task(request, task, error="Unknown action.", status=404)
    form_class, run, allowed = VERBS[verb]
    if not allowed(request.user, task):
        raise PermissionDenied  # the right decides before the form does: never a 400 instead of a 403
    log_tasks_shown(request, [task])  # refused above: tasks.access_log writes a refused row instead
    kwargs = _form_kwargs(form_class, task, request.user)
    form = form_class(request.POST, prefix=verb, **kwargs)
    if not form.is_valid():
        return _render_task(request, task, bound=(verb, form), status=400)
    try:
        done = run(task, form.cleaned_data, request.user)
    except actions.VersionConflict as conflict:
        current = get_task_for_user(request.user, pk)  # as it is now, with its flags
        return _render_task(request, current, error=conflict.message, status=409)
    except actions.NotAllowed:
        raise
    except actions.ActionError as refused:
        return _render_task(request, task, bound=(verb, form), error=refused.message, status=400)
    if request.htmx:
        task = get_task_for_user(request.user, pk)
        response = _render_task(request, task)
        response["HX-Trigger"] = "taskChanged"  # queues on the page refresh their rows
        return response
    messages.success(request, "Saved.")
    if isinstance(done, Task) and (
        plan := progress.plan_to_complete(done, user=request.user, today=timezone.localdate())
    ):
        messages.info(request, render_to_string("tasks/_plan_proposal.html", {"plan": plan}, request=request))
    return redirect(task)


# ---- queues -------------------------------------------------------------------------------


@require_GET
@permission_required("tasks.view_task", raise_exception=True)
def my_work(request):
    work = queues.my_work(request.user, today=timezone.localdate())
    sections = queues.my_work_sections(work, owner_id=request.user.pk)
    log_tasks_shown(request, (task for section in sections for task in section.rows))
    if request.htmx:
        return render(request, "tasks/_my_work_sections.html", {"work": work, "sections": sections})
    saved = SavedFilter.objects.filter(user=request.user)
    return render(request, "tasks/my_work.html", {"work": work, "sections": sections, "saved_filters": saved})


def _filtered(request):
    base = Task.objects.visible_to(request.user).for_queue()
    return TaskFilter(request.GET, queryset=base, request=request)


@require_GET
@permission_required("tasks.view_task", raise_exception=True)
def team_queue(request):
    filterset = _filtered(request)
    today = timezone.localdate()
    # The page from an index, the total counted up to a bound (careplans.paging).
    page = bounded_page(rowsets.with_due_flags(filterset.qs, today), request.GET.get("page"), QUEUE_PAGE_SIZE)
    log_tasks_shown(request, page)
    context = {
        "saved_filters": SavedFilter.objects.filter(user=request.user),  # one query, however many
        "filter": filterset,
        "page": page,
        "today": today,
        "querystring": _querystring_without_page(request),
        "reassign_form": BulkReassignForm(user=request.user),
    }
    template = "tasks/_queue_table.html" if request.htmx else "tasks/team_queue.html"
    return render(request, template, context)


@require_POST
@permission_required("tasks.view_task", raise_exception=True)
def save_filter(request):
    """Name the queue's filters; back to the queue with them either way, told what happened."""
    form = SaveFilterForm(request.POST, request=request)
    back = reverse("team_queue") + "?" + QueryDict(request.POST.get("query", "")).urlencode()
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    try:
        saved = saved_filters.save_filter(request.user, **form.cleaned_data)
    except actions.RuleViolation as refused:
        messages.error(request, refused.message)
        return redirect(back)
    messages.success(request, f"Saved “{saved.name}”: open it from the queue or My work.")
    return redirect(saved)


@require_POST
def delete_saved_filter(request, pk: int):
    saved = get_saved_filter_for_user(request.user, pk)
    saved_filters.delete_filter(saved, by=request.user)
    messages.success(request, f"Deleted the saved filter “{saved.name}”.")
    return _back_to_queue(request)


def _querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@replica_reads
@require_GET
@permission_required("tasks.view_task", raise_exception=True)
def export_csv(request):
    """Exactly the filtered queue, as CSV. The same FilterSet over the same visible_to()."""
    filterset = _filtered(request)
    if not filterset.is_valid():
        return HttpResponseBadRequest("Fix the filters before exporting.")
    log_export(request, patient_count=filterset.qs.order_by().values("patient").distinct().count())
    response = StreamingHttpResponse(exports.queue_rows(filterset.qs), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="followthrough-tasks-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def bulk_reassign(request):
    """Coordinators move their own selected tasks, managers any of their teams' (the action's rule
    decides each row)."""
    form = BulkReassignForm(request.POST, user=request.user)
    return _apply_to_selected(
        request,
        form,
        lambda t, d, v: actions.reassign_task(
            t, by=request.user, to=d["to"], reason=d["reason"], expected_version=v
        ),
        invalid="Choose tasks, a new owner and a reason.",
        done="Reassigned",
    )


@require_POST
@permission_required("tasks.bulk_change_task", raise_exception=True)
def bulk_cancel(request):
    """A Waiting row is resumed, then cancelled, as when a plan ends: a manager clearing
    selected rows expects a wait to end with them."""
    form = BulkCancelForm(request.POST)
    return _apply_to_selected(
        request,
        form,
        lambda t, d, v: actions.cancel_task(
            t, by=request.user, reason=d["reason"], expected_version=v, resume_waiting=True
        ),
        invalid="Choose tasks and give a reason to cancel them.",
        done="Cancelled",
    )


@require_POST
@permission_required("tasks.bulk_change_task", raise_exception=True)
def bulk_reschedule(request):
    form = BulkRescheduleForm(request.POST)
    return _apply_to_selected(
        request,
        form,
        lambda t, d, v: actions.change_task(
            t, by=request.user, reason=d["reason"], due_on=d["due_on"], expected_version=v
        ),
        invalid="Choose tasks, a new due date and a reason.",
        done="Rescheduled",
    )


def _apply_to_selected(request, form, run, *, invalid: str, done: str):
    """Run the single-task action on each selected row the user can see, each row in its own
    transaction: a refused row changes nothing and is reported by patient and task, the others
    still apply. Rows the user cannot see are ignored (never revealed)."""
    if not form.is_valid():
        errors = " ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, f"{invalid} {errors}")
        return _back_to_queue(request)
    picked = form.cleaned_data["task_ids"]
    visible = Task.objects.visible_to(request.user).filter(pk__in=picked).select_related("patient")
    applied, refused = 0, []
    for task in visible.order_by("patient__last_name", "patient__first_name", "due_on", "pk"):
        try:
            run(task, form.cleaned_data, picked[task.pk])
            applied += 1
        except actions.VersionConflict as conflict:
            refused.append(
                f"{_row(task)}: changed by {conflict.changed_by} since the queue was shown; left as it is."
            )
        except actions.ActionError as refusal:
            refused.append(f"{_row(task)}: {refusal.message}")
    if applied:
        messages.success(request, f"{done} {applied} task{'s' if applied != 1 else ''}.")
    for line in refused:
        messages.error(request, line)
    return _back_to_queue(request)


def _row(task) -> str:
    """A row as the queue shows it: the patient, then the task."""
    return f"{task.patient} — {task.title}"


def _back_to_queue(request):
    target = request.POST.get("next", "")
    return redirect(
        target
        if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        else "team_queue"
    )
