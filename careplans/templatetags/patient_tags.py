"""The patient list's rows, from a Jinja2 partial (issue #15: fifty rows a page)."""

from django import template

from config.jinja2 import render_partial, url_for_each

register = template.Library()


@register.simple_tag
def patient_rows(patients):
    """`{% patient_rows page.object_list %}`: a <tr> per patient, linking to their page."""
    context = {"patients": patients, "patient_url": url_for_each("patient_detail")}
    return render_partial("careplans/_patient_rows.html", context)
