"""The "Open in EHR" link of a patient (patient page, task panel): `{% load ehr_links %}`,
`{% ehr_chart_url patient as url %}`. Lives with careplans, whose Patient holds the EHR id."""

from django import template

from careplans.ehr import chart_url

register = template.Library()


@register.simple_tag
def ehr_chart_url(patient) -> str:
    return chart_url(patient)
