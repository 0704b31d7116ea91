"""Refused attempts on a patient's record, task or plan go to the access log too: a 404 or 403
on one of these URLs writes a row with the user, the patient (when it exists: a 404 outside the
user's scope is still someone's record) and the address. Shown records are logged by the views
themselves (careplans.access.log_shown); tests/config/test_access_log.py holds every URL to one
or the other."""

from careplans.access import log_refused
from careplans.models import CarePlan, Patient
from tasks.models import Task

MAX_ID = 2**63 - 1  # a larger id in the URL names no row (and would overflow PostgreSQL's bigint)

# URL name → how its `pk` leads to (patient id, care team id).
REFUSED_TARGETS = {
    "patient_detail": Patient.objects.values_list("pk", "care_team_id"),
    "care_plan_intake": Patient.objects.values_list("pk", "care_team_id"),
    "task_create": Patient.objects.values_list("pk", "care_team_id"),
    "patient_note_add": Patient.objects.values_list("pk", "care_team_id"),
    "patient_transfer": Patient.objects.values_list("pk", "care_team_id"),
    "care_plan_edit": CarePlan.objects.values_list("patient_id", "patient__care_team_id"),
    "task_detail": Task.objects.values_list("patient_id", "care_team_id"),
    "task_action": Task.objects.values_list("patient_id", "care_team_id"),
    "fhir_everything": Patient.objects.values_list("pk", "care_team_id"),
}


class RefusedAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (403, 404) and request.user.is_authenticated:
            match = request.resolver_match
            target = REFUSED_TARGETS.get(match.url_name) if match else None
            if target is not None:
                pk = match.kwargs.get("pk")
                found = target.filter(pk=pk).first() if pk is not None and 0 < pk <= MAX_ID else None
                log_refused(request, *(found or (None, None)))
        return response
