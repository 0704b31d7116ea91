"""The access log, driven from the URL configuration: every URL either shows patient data, and
then a request by a user allowed to use it writes an access log row with the user, the patient
(or, for a bulk export, the count and the filter), the address and the reason, or it is listed in
NOT_PHI with the reason it shows none. A new URL in neither fails here, as in the matrix.

Refusals are logged too: a 404 or 403 on a URL that names a patient, task or plan writes a
refused row with the user and, when the record exists, its patient (tasks.access_log)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from careplans.models import AccessOutcome, AccessReason, PatientAccessLog
from ccm.models import Consent, TimeEntry
from ccm.totals import recount
from notifications.models import Kind, Notification
from tasks.access_log import REFUSED_TARGETS
from tasks.views import VERBS
from tests.config.test_urls import MATRIX, URL_NAMES, VERB_MATRIX
from tests.config.url_calls import VERB_STATUS, World, _as, _call_verb, ccm_args
from tests.factories import TaskFactory

# URL name → the role that shows it in the test below (one allowed to).
PHI = {
    "patient_list": "coordinator",
    "patient_search": "coordinator",
    "patient_detail": "coordinator",
    "care_plan_intake": "coordinator",
    "task_create": "coordinator",
    "task_new_pick": "coordinator",
    "patient_note_add": "coordinator",
    "patient_transfer": "manager",
    "care_plan_edit": "provider",
    "my_work": "coordinator",
    "team_queue": "coordinator",
    "queue_export": "coordinator",
    "task_detail": "coordinator",
    "task_action": "manager",  # every verb: the manager may use each on a task of their team
    "inbox": "coordinator",  # a line of one notice shows that notice: its task and patient
    "inbox_group": "coordinator",
    "notifications_read": "coordinator",  # htmx: the notice marked read comes back, with its patient
    "audit": "manager",
    "audit_export": "manager",
    "import_preview": "manager",  # the first rows of the file, with the patients they match
    "fhir_everything": "coordinator",
    "fhir_task_search": "coordinator",
    "fhir_care_plan_search": "coordinator",
    "ccm_worklist": "coordinator",
    "ccm_patient_print": "coordinator",
    "ccm_time_edit": "coordinator",
    "ccm_checklist": "coordinator",
    "ccm_consent": "coordinator",
    "ccm_consent_revoke": "coordinator",
    "ccm_time_add": "coordinator",
    "ccm_timer": "coordinator",
    "ccm_billing": "manager",  # the month's rows: logged as an export of that many patients
    "ccm_billing_export": "manager",
}

NOT_PHI = {
    "home": "redirects to the role's first page",
    "emergency_access": "a form (MRN, birth date, reason); the patient page it opens logs the view as emergency",
    "password_change": "the user's own password form",
    "password_change_done": "says the password changed",
    "session_status": "how long the session has left, for the idle warning",
    "session_extend": "keeps the session alive",
    "two_factor": "the user's own sign-in settings",
    "two_factor_verify": "the second step of sign-in",
    "two_factor_setup": "setting up an authenticator",
    "two_factor_qr": "the authenticator's QR code",
    "two_factor_recovery_codes": "the user's own recovery codes",
    "two_factor_disable": "turns two-factor off",
    "healthz": "answers ok, for load balancers",
    "login": "the login form",
    "logout": "ends the session",
    "bulk_reassign": "changes rows (each in its timeline), then redirects to the queue, which logs",
    "bulk_cancel": "changes rows (each in its timeline), then redirects to the queue, which logs",
    "bulk_reschedule": "changes rows (each in its timeline), then redirects to the queue, which logs",
    "saved_filter_create": "stores a query string, then redirects to the queue, which logs",
    "saved_filter_delete": "deletes a query string, then redirects to the queue, which logs",
    "inbox_badge": "an unread count",
    "notification_preferences": "the user's email choices",
    "dashboard": "counts per owner, program, type and team: no patient is named",
    "dashboard_export": "the dashboard's tables: counts, no patient is named",
    "ccm_dashboard_tiles": "the dashboard's CCM tiles: counts of consented patients, no patient is named",
    "import_list": "the upload form and the user's runs: file names and counts",
    "import_mapping": "the file's column headers and the fields they fill",
    "import_start": "starts the run, then redirects to its summary",
    "import_run": "a run's counts and its refusals: row, column, reason and the row's key (MRN...) "
    "as the importer's own file gave it; no patient record is read, no name shown",
    "import_progress": "a run's progress: rows checked and saved",
    "import_errors": "the refusals as CSV: row, the row's key (MRN...) as the importer's own file gave "
    "it, column and reason; no patient record is read, no name",
    "fhir_upload": "the Bundle upload form and the import's report: counts and problems by bundle "
    "reference, no patient named",
    "calendar_settings": "the user's own calendar feed settings",
    "calendar_feed": "due dates and appointment times, no patient named "
    "(tests/integrations/test_calendar_feed.py)",
}

HTMX = {"HX-Request": "true"}


def test_every_url_is_declared_phi_or_not():
    assert set(PHI) & set(NOT_PHI) == set()
    assert set(URL_NAMES) - set(PHI) - set(NOT_PHI) == set(), "declare these URLs in PHI or NOT_PHI"
    assert set(PHI) | set(NOT_PHI) == set(URL_NAMES), "these declarations name no URL any more"


def test_every_url_of_a_patients_record_logs_its_refusals():
    targets = {
        name for name, row in MATRIX.items() if row.target in ("patient", "task", "care_plan", "time_entry")
    }
    assert targets == set(REFUSED_TARGETS)


def _notice(user, task):
    return Notification.objects.create(recipient=user, task=task, kind=Kind.OVERDUE, day=task.due_on)


def _request(client, name: str, world: World, user):
    """Ask for `name` as `user` so that the response shows `world.patient` (for an export: the
    list it exports holds them)."""
    patient, task = world.patient, world.task
    if name == "patient_search":
        return client.get(reverse(name), {"q": patient.last_name[:4]})
    if name == "task_new_pick":
        return client.get(reverse(name), {"q": patient.last_name[:4]})
    if name == "my_work":
        task.due_on = timezone.localdate()
        task.save()
        return client.get(reverse(name))
    if name in ("inbox", "inbox_group"):
        notice = _notice(user, task)
        if name == "inbox":
            return client.get(reverse(name))
        day = timezone.localdate(notice.created_at).isoformat()
        return client.get(reverse(name, args=[Kind.OVERDUE, day]))
    if name == "notifications_read":
        notice = _notice(user, task)
        return client.post(reverse(name), {"notification": notice.pk}, headers=HTMX)
    if name == "patient_note_add":
        return client.post(reverse(name, args=[patient.pk]), {"body": "Prefers calls after 3 pm"})
    if name in ("audit", "audit_export"):
        client.get(reverse("patient_detail", args=[patient.pk]))  # something to review
        response = client.get(reverse(name))
        b"".join(response.streaming_content) if response.streaming else response.content
        return response
    if name == "queue_export":
        response = client.get(reverse(name))
        b"".join(response.streaming_content)
        return response
    if name in ("fhir_task_search", "fhir_care_plan_search"):
        return client.get(reverse(name), {"patient": patient.pk})
    if name.startswith("ccm_"):
        return _request_ccm(client, name, world)
    target = MATRIX[name].target
    if target == "import_run":
        return client.get(reverse(name, args=[world.import_run(PHI[name]).pk]))
    args = {"patient": [patient.pk], "task": [task.pk], "care_plan": [world.care_plan.pk], None: []}[target]
    return client.get(reverse(name, args=args))


def _request_ccm(client, name: str, world: World):
    """A CCM URL used on `world.patient`, consented, with 25 minutes this month (billable)."""
    patient, today = world.patient, timezone.localdate()
    consent = Consent.objects.create(
        patient=patient,
        consented_on=today.replace(day=1),
        method="verbal",
        recorded_by=world.users["manager"],
    )
    TimeEntry.objects.create(
        patient=patient,
        author=world.users["coordinator"],
        performed_on=today,
        minutes=25,
        description="Call",
        staff_category="clinical",
        billable=True,
    )
    recount(patient.pk)
    url = reverse(name, args=ccm_args(name, world, target=MATRIX[name].target))
    if name == "ccm_consent":
        consent.delete()
        return client.post(url, {"consented_on": today.isoformat(), "method": "verbal"})
    if name == "ccm_consent_revoke":
        return client.post(url, {"revoked_on": today.isoformat()})
    if name == "ccm_time_add":
        return client.post(url, {"performed_on": today.isoformat(), "minutes": 7, "description": "Call"})
    if name == "ccm_timer":
        return client.post(url)
    if name == "ccm_billing_export":
        return client.post(url, {"month": f"{today:%Y-%m}", "close_early": "on"})
    return client.get(url)


CASES = [
    pytest.param(name, verb, id=f"{name}-{verb}" if verb else name)
    for name in sorted(PHI)
    for verb in (VERB_MATRIX if name == "task_action" else [None])
]


@pytest.fixture
def world(request, db):
    return World(request)


@pytest.mark.parametrize(("name", "verb"), CASES)
def test_each_phi_url_writes_its_row(client, world, name, verb):
    role = PHI[name]
    user = world.users[role]
    _as(client, world, role)
    mark = PatientAccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    if verb:
        assert verb in VERBS
        task = TaskFactory(patient=world.patient, owner=user, status=VERB_STATUS[verb])
        _call_verb(client, verb, world, role, task=task)
        response = None
    else:
        response = _request(client, name, world, user)
        assert response.status_code in (200, 302), response.status_code
    rows = list(PatientAccessLog.objects.filter(pk__gt=mark, user=user, outcome=AccessOutcome.SHOWN))
    assert rows, f"{name} wrote no access log row"
    path = reverse(name, args=[task.pk, verb]) if verb else response.wsgi_request.path
    mine = [row for row in rows if row.path == path]
    assert mine, f"{name}: no row for {path}"
    row = mine[-1]
    assert row.address == "127.0.0.1"
    if name in ("queue_export", "audit_export", "ccm_billing", "ccm_billing_export"):
        assert (row.reason, row.patient_id) == (AccessReason.EXPORT, None)
        assert row.patient_count >= 1
    elif name == "audit":
        assert (row.reason, row.patient_id, row.patient_count) == (AccessReason.VIEW, None, 1)
    else:
        assert (row.reason, row.patient_id, row.care_team_id) == (
            AccessReason.VIEW,
            world.patient.pk,
            world.patient.care_team_id,
        )


@pytest.mark.parametrize("name", sorted(REFUSED_TARGETS))
def test_a_refusal_is_logged_with_the_user_and_the_patient(client, world, name):
    """The outsider asks for a record of another team: 404, and a refused row names them both."""
    outsider = world.users["outsider"]
    _as(client, world, "outsider")
    target = MATRIX[name].target
    if name.startswith("ccm_"):
        args = ccm_args(name, world, target=target)
    else:
        pk = {"patient": world.patient.pk, "task": world.task.pk, "care_plan": world.care_plan.pk}[target]
        args = [pk, "start"] if name == "task_action" else [pk]
    response = client.generic(MATRIX[name].method.upper(), reverse(name, args=args))

    assert response.status_code == 404
    row = PatientAccessLog.objects.get(user=outsider)
    assert (row.outcome, row.patient_id, row.care_team_id, row.address) == (
        AccessOutcome.REFUSED,
        world.patient.pk,
        world.patient.care_team_id,
        "127.0.0.1",
    )


def test_a_refusal_of_a_record_that_does_not_exist_names_no_patient(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("patient_detail", args=[10**18 - 1])).status_code == 404
    row = PatientAccessLog.objects.get(user=coordinator)
    assert (row.outcome, row.patient_id) == (AccessOutcome.REFUSED, None)


def test_a_403_is_logged_as_refused(client, admin, patient):
    """The Admin role works in the team but holds no right to patients."""
    client.force_login(admin)
    assert client.get(reverse("patient_detail", args=[patient.pk])).status_code == 403
    row = PatientAccessLog.objects.get(user=admin)
    assert (row.outcome, row.patient_id) == (AccessOutcome.REFUSED, patient.pk)


def test_a_list_writes_one_insert_of_one_row_per_patient(client, coordinator, patient, today):
    """A queue page of many tasks of one patient: one row for the patient."""
    for _ in range(3):
        TaskFactory(patient=patient, owner=coordinator, due_on=today)
    client.force_login(coordinator)
    client.get(reverse("team_queue"))
    assert PatientAccessLog.objects.filter(user=coordinator, patient=patient).count() == 1


def test_a_verb_refused_by_the_right_is_logged_refused_only(client, front_desk, task):
    """Front desk may not reassign: a 403, one refused row, no row saying the task was shown."""
    client.force_login(front_desk)
    response = client.post(reverse("task_action", args=[task.pk, "reassign"]), {})
    assert response.status_code == 403
    rows = list(PatientAccessLog.objects.filter(user=front_desk).values_list("outcome", "patient"))
    assert rows == [(AccessOutcome.REFUSED, task.patient_id)]
