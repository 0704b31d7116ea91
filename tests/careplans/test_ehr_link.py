"""EHR link-out: settings.EHR_CHART_URL puts "Open in EHR" on the patient page and the task panel
for a patient with an EHR id, and nowhere else."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from careplans.ehr import chart_url
from config.env import ehr_chart_pattern

PATTERN = "https://ehr.example.org/chart/{ehr_id}"


@pytest.fixture
def pattern(settings):
    settings.EHR_CHART_URL = PATTERN


def _pages(client, task):
    patient_page = client.get(reverse("patient_detail", args=[task.patient_id])).content.decode()
    panel = client.get(
        reverse("task_detail", args=[task.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    return patient_page, panel


def test_a_patient_with_an_ehr_id_gets_the_link_on_both_pages(pattern, client, coordinator, task):
    task.patient.ehr_id = "A 17/x"
    task.patient.save()
    client.force_login(coordinator)
    for page in _pages(client, task):
        assert 'href="https://ehr.example.org/chart/A%2017%2Fx"' in page
        assert "Open in EHR" in page


def test_no_ehr_id_no_link_even_with_a_stored_link(pattern, client, coordinator, task):
    task.patient.ehr_url = "https://old-ehr.example.org/p/1"
    task.patient.save()
    client.force_login(coordinator)
    for page in _pages(client, task):
        assert "Open in EHR" not in page


def test_without_the_setting_the_stored_link_is_used(settings, client, coordinator, task):
    settings.EHR_CHART_URL = ""
    task.patient.ehr_id = "E1"
    task.patient.ehr_url = "https://old-ehr.example.org/p/1"
    task.patient.save()
    assert chart_url(task.patient) == "https://old-ehr.example.org/p/1"
    task.patient.ehr_url = ""
    assert chart_url(task.patient) == ""


@pytest.mark.parametrize(
    "bad",
    ["ehr.example.org/{ehr_id}", "https://ehr.example.org/chart", "https://x/{ehr_id}/{mrn}", "https://x/{}"],
)
def test_a_bad_pattern_stops_the_start(bad):
    with pytest.raises(ImproperlyConfigured):
        ehr_chart_pattern("EHR_CHART_URL", bad)


def test_a_good_pattern_and_none_are_accepted():
    assert ehr_chart_pattern("EHR_CHART_URL", f" {PATTERN} ") == PATTERN
    assert ehr_chart_pattern("EHR_CHART_URL", "") == ""
