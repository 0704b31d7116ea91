"""Link-out to the practice's EHR: the chart of a patient, for "Open in EHR".

Two sources, one rule. settings.EHR_CHART_URL, a pattern such as
"https://ehr.example.org/chart/{ehr_id}", is the practice's EHR: when it is set, a patient's link
is the pattern filled with their EHR id, and a patient without an EHR id has no link (a stored
per-patient link is then ignored: the EHR moved, its links go stale). When it is not set, the
patient's stored EHR link (Patient.ehr_url, kept before the setting existed) is used if any."""

from urllib.parse import quote

from django.conf import settings


def chart_url(patient) -> str:
    pattern = settings.EHR_CHART_URL
    ehr_id = (patient.ehr_id or "").strip()
    if pattern:
        # The id is quoted whole: an id holding "/" or "?" cannot point the link elsewhere.
        return pattern.format(ehr_id=quote(ehr_id, safe="")) if ehr_id else ""
    return patient.ehr_url or ""
