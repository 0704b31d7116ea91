"""How CCM shows on pages of the apps below it (the patient page and task panel of tasks, the
dashboard of dashboards) without those apps importing ccm: their templates load these tags,
and each renders nothing for a user without ccm.view_ccm (front desk sees no CCM time or codes).
Python imports stay one way (tests/config/test_app_layers.py); only templates name ccm."""

from django import template
from django.template.loader import render_to_string

from ccm import panels
from ccm.months import current_month, label

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.simple_tag(takes_context=True)
def ccm_patient_panel(context, patient):
    """Consent (with its history), this month's minutes and codes, the entries, the forms."""
    user = _user(context)
    if user is None or not user.has_perm("ccm.view_ccm"):
        return ""
    return render_to_string(
        "ccm/_patient_panel.html", panels.patient_context(user, patient), request=context["request"]
    )


@register.simple_tag(takes_context=True)
def ccm_task_timer(context, task):
    """The start/stop timer and time by hand, in a task's panel."""
    user = _user(context)
    if user is None or not user.has_perm("ccm.view_ccm"):
        return ""
    return render_to_string("ccm/_timer.html", panels.timer_context(user, task), request=context["request"])


@register.simple_tag(takes_context=True)
def ccm_dashboard_tiles(context):
    """Where the dashboard's CCM tiles go: a placeholder the page fills from ccm_dashboard_tiles
    once it has drawn (ccm.views.dashboard_tiles)."""
    user = _user(context)
    if user is None or not user.has_perm("ccm.view_ccm"):
        return ""
    return render_to_string("ccm/_dashboard_tiles_slot.html", {"month_label": label(current_month())})
