from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tasks import actions, forms
from tasks.access import get_task_for_user
from tasks.models import Activity

# verb → (form, how to call the action with the cleaned data, may the user do it?)
VERBS = {
    "start": (
        forms.StartForm,
        lambda t, d, u: actions.start_task(t, by=u, expected_version=d["version"]),
        actions.can_work,
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
        actions.can_work,
    ),
    "resume": (
        forms.ResumeForm,
        lambda t, d, u: actions.resume_task(t, by=u, note=d["note"], expected_version=d["version"]),
        actions.can_work,
    ),
    "complete": (
        forms.CompleteForm,
        lambda t, d, u: actions.complete_task(t, by=u, outcome=d["outcome"], expected_version=d["version"]),
        actions.can_work,
    ),
    "cancel": (
        forms.CancelForm,
        lambda t, d, u: actions.cancel_task(t, by=u, reason=d["reason"], expected_version=d["version"]),
        actions.can_work,
    ),
    "reopen": (
        forms.ReopenForm,
        lambda t, d, u: actions.reopen_task(t, by=u, reason=d["reason"], expected_version=d["version"]),
        actions.can_reopen,
    ),
    "reassign": (
        forms.ReassignForm,
        lambda t, d, u: actions.reassign_task(
            t, by=u, to=d["to"], reason=d["reason"], expected_version=d["version"]
        ),
        actions.can_reassign,
    ),
    "note": (
        forms.NoteForm,
        lambda t, d, u: actions.add_note(t, by=u, body=d["body"], contact_outcome=d["contact_outcome"]),
        actions.can_note,
    ),
}


def _forms_for(task, user, bound=None):
    """The unbound forms for every verb this user may use now, plus the bound one that failed."""
    available = {}
    for verb, (form_class, _, allowed) in VERBS.items():
        if not allowed(user, task):
            continue
        if bound and bound[0] == verb:
            available[verb] = bound[1]
            continue
        kwargs = {"task": task} if form_class is forms.ReassignForm else {}
        initial = {"version": task.version}
        available[verb] = form_class(initial=initial, prefix=verb, **kwargs)
    return available


def _render_task(request, task, *, bound=None, error=None, status=200):
    context = {
        "task": task,
        "forms": _forms_for(task, request.user, bound),
        "error": error,
        "activities": Activity.objects.filter(task=task).for_timeline()[:50],
    }
    template = "tasks/_task_panel.html" if request.htmx else "tasks/task_detail.html"
    return render(request, template, context, status=status)


@require_GET
def task_detail(request, pk: int):
    task = get_task_for_user(request.user, pk)
    return _render_task(request, task)


@require_POST
def task_action(request, pk: int, verb: str):
    task = get_task_for_user(request.user, pk, perm="tasks.view_task")
    if verb not in VERBS:
        return _render_task(request, task, error="Unknown action.", status=404)
    form_class, run, _ = VERBS[verb]
    kwargs = {"task": task} if form_class is forms.ReassignForm else {}
    form = form_class(request.POST, prefix=verb, **kwargs)
    if not form.is_valid():
        return _render_task(request, task, bound=(verb, form), status=400)
    try:
        run(task, form.cleaned_data, request.user)
    except actions.VersionConflict as conflict:
        return _render_task(request, conflict.current, error=conflict.message, status=409)
    except actions.NotAllowed:
        raise
    except actions.ActionError as refused:
        return _render_task(request, task, bound=(verb, form), error=refused.message, status=400)
    if request.htmx:
        task = get_task_for_user(request.user, pk)
        return _render_task(request, task)
    messages.success(request, "Saved.")
    return redirect(task)
