"""The authorization matrix, built from the URL configuration.

Every URL name in config.urls (admin and static aside) must have a row below, or
test_every_url_has_a_row_in_the_matrix fails: a new page cannot ship without saying who may use
it. Each row gives the expected answer per role for an object of the user's own team (the
outsider works in another team, so for them it is someone else's object), anonymous access, and a
method the URL refuses. Objects of another team are 404 for everyone.
"""

from dataclasses import dataclass, replace
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from ccm.models import CCM_PROGRAM_CODE, ClosedMonth, Consent, RunningTimer, TimeEntry
from integrations.models import ImportRun, RunStatus
from tasks.choices import Status, TaskKind, WaitingReason
from tasks.models import Activity, PatientNote, SavedFilter, Task
from tasks.views import VERBS
from tests.conftest import ROLE_FIXTURES as ROLES
from tests.factories import ProgramFactory, TaskFactory, in_days
from tests.integrations.helpers import import_run_of


@dataclass(frozen=True)
class Expect:
    status: int
    to: str | None = None  # a redirect's target, as a view name
    writes: bool | None = None  # for POSTs: whether the change was applied


OK = Expect(200)
DENIED = Expect(403)
HIDDEN = Expect(404)
LOGIN = Expect(302, to="login")
# For POSTs the matrix also says nothing was written.
DENIED_UNCHANGED = Expect(403, writes=False)
HIDDEN_UNCHANGED = Expect(404, writes=False)


def to(view_name: str, *, writes: bool | None = None) -> Expect:
    return Expect(302, to=view_name, writes=writes)


def every(expect: Expect, **exceptions: Expect) -> dict[str, Expect]:
    assert set(exceptions) <= set(ROLES), exceptions
    return {role: exceptions.get(role, expect) for role in ROLES}


@dataclass(frozen=True)
class Row:
    method: str
    target: (
        str | None
    )  # "patient", "task", "care_plan", "saved_filter", "time_entry" or None: what the URL's pk points at
    roles: dict[str, Expect]
    anonymous: Expect
    wrong_method: str


CLINICAL_PAGE = every(OK, admin=DENIED, outsider=HIDDEN)
WORK_PAGE = every(OK, admin=DENIED)
DONE = to("task_detail", writes=True)
OWN_TASK_VERB = every(DONE, admin=DENIED_UNCHANGED, outsider=HIDDEN_UNCHANGED)
DASHBOARD = every(OK, front_desk=DENIED, admin=DENIED)
IMPORTERS = every(DENIED, front_desk=OK, manager=OK)
CCM_PAGE = every(OK, front_desk=DENIED, admin=DENIED, outsider=HIDDEN)
CCM_CONSENT = every(
    DENIED_UNCHANGED,
    provider=to("patient_detail", writes=True),
    coordinator=to("patient_detail", writes=True),
    manager=to("patient_detail", writes=True),
    outsider=HIDDEN_UNCHANGED,
)
CCM_TIME = every(
    DENIED_UNCHANGED,
    provider=to("patient_detail", writes=True),
    coordinator=to("patient_detail", writes=True),
    medical_assistant=to("patient_detail", writes=True),
    outsider=HIDDEN_UNCHANGED,
)

# task_action, per verb. The task is in a status the verb accepts and belongs to the user
# (to a coordinator when the user is the outsider), so only the role decides.
VERB_MATRIX: dict[str, dict[str, Expect]] = {
    "start": OWN_TASK_VERB,
    "wait": OWN_TASK_VERB,
    "resume": OWN_TASK_VERB,
    "complete": OWN_TASK_VERB,
    "cancel": OWN_TASK_VERB,
    "note": OWN_TASK_VERB,
    "attempt": OWN_TASK_VERB,
    "change": OWN_TASK_VERB,
    "reopen": every(DENIED_UNCHANGED, manager=DONE, outsider=HIDDEN_UNCHANGED),
    "reassign": every(
        DENIED_UNCHANGED, coordinator=DONE, medical_assistant=DONE, manager=DONE, outsider=HIDDEN_UNCHANGED
    ),
}

MATRIX: dict[str, Row] = {
    "home": Row(
        "get",
        None,
        {
            "provider": to("patient_list"),
            "coordinator": to("my_work"),
            "medical_assistant": to("my_work"),
            "front_desk": to("my_work"),
            "manager": to("dashboard"),
            "admin": to("admin:index"),
            "outsider": to("my_work"),
        },
        anonymous=LOGIN,
        wrong_method="post",
    ),
    "healthz": Row("get", None, every(OK), anonymous=OK, wrong_method="post"),
    "login": Row("get", None, every(to("home")), anonymous=OK, wrong_method="delete"),
    "logout": Row("post", None, every(to("login")), anonymous=LOGIN, wrong_method="get"),
    # Everyone signed in changes their own password (the form asks for the current one).
    "password_change": Row("get", None, every(OK), anonymous=LOGIN, wrong_method="delete"),
    "password_change_done": Row("get", None, every(OK), anonymous=LOGIN, wrong_method="post"),
    # The idle warning asks how long is left (no activity) and "Stay signed in" extends it.
    "session_status": Row("get", None, every(OK), anonymous=LOGIN, wrong_method="post"),
    "session_extend": Row("post", None, every(OK), anonymous=LOGIN, wrong_method="get"),
    # Two-factor sign-in: everyone's own. The matrix's sessions have done both steps; managers and
    # admins have an authenticator (required), the others none (optional): tests/accounts/
    # test_two_factor.py covers the sessions that still owe a step.
    "two_factor": Row("get", None, every(OK), anonymous=LOGIN, wrong_method="put"),
    "two_factor_verify": Row("get", None, every(to("home")), anonymous=LOGIN, wrong_method="put"),
    # Setting up an authenticator, or (for managers and admins here) moving to a new phone.
    "two_factor_setup": Row("get", None, every(OK), anonymous=LOGIN, wrong_method="put"),
    # The QR code of an authenticator being set up: nobody here has opened the setup page.
    "two_factor_qr": Row("get", None, every(HIDDEN), anonymous=LOGIN, wrong_method="post"),
    "two_factor_recovery_codes": Row(
        "post", None, every(to("two_factor"), manager=OK, admin=OK), anonymous=LOGIN, wrong_method="get"
    ),
    # Off only with a current code, and never for whoever must use it.
    "two_factor_disable": Row("post", None, every(to("two_factor")), anonymous=LOGIN, wrong_method="get"),
    "patient_list": Row("get", None, WORK_PAGE, anonymous=LOGIN, wrong_method="post"),
    "patient_search": Row("get", None, WORK_PAGE, anonymous=LOGIN, wrong_method="post"),
    "patient_detail": Row("get", "patient", CLINICAL_PAGE, anonymous=LOGIN, wrong_method="post"),
    # Break the glass: providers and coordinators (the outsider is one) open a patient outside
    # their teams with a reason (tests/careplans/test_emergency_access.py).
    "emergency_access": Row(
        "get",
        None,
        every(DENIED, provider=OK, coordinator=OK, outsider=OK),
        anonymous=LOGIN,
        wrong_method="put",
    ),
    "care_plan_intake": Row(
        "get", "patient", every(OK, front_desk=DENIED, admin=DENIED, outsider=HIDDEN), LOGIN, "put"
    ),
    # A one-off task: everyone who works tasks (front desk: scheduling and outreach kinds).
    "task_create": Row("get", "patient", every(OK, admin=DENIED, outsider=HIDDEN), LOGIN, "put"),
    # New task from My work: first the patient, among those of the user's own teams.
    "task_new_pick": Row("get", None, every(OK, admin=DENIED), LOGIN, "post"),
    # A note about the patient: whoever notes tasks (front desk too), back on the patient page.
    "patient_note_add": Row(
        "post",
        "patient",
        every(to("patient_detail", writes=True), admin=DENIED_UNCHANGED, outsider=HIDDEN_UNCHANGED),
        anonymous=LOGIN,
        wrong_method="get",
    ),
    # Moving a patient to another team: a manager of the patient's team (the page then offers the
    # other teams they manage; the matrix's manager has none), or an admin holding the right to
    # change patients (the superuser: no role has it).
    "patient_transfer": Row(
        "get", "patient", every(DENIED, manager=OK, outsider=HIDDEN), anonymous=LOGIN, wrong_method="put"
    ),
    # Clinical edits: providers only.
    "care_plan_edit": Row(
        "get", "care_plan", every(DENIED, provider=OK, outsider=HIDDEN), anonymous=LOGIN, wrong_method="put"
    ),
    "my_work": Row("get", None, WORK_PAGE, anonymous=LOGIN, wrong_method="post"),
    "team_queue": Row("get", None, WORK_PAGE, anonymous=LOGIN, wrong_method="post"),
    "queue_export": Row("get", None, WORK_PAGE, anonymous=LOGIN, wrong_method="post"),
    # Bulk reassignment always returns to the queue; the rights decide whether anything moved.
    "bulk_reassign": Row(
        "post",
        None,
        every(
            to("team_queue", writes=False),
            coordinator=to("team_queue", writes=True),
            medical_assistant=to("team_queue", writes=True),
            manager=to("team_queue", writes=True),
        ),
        anonymous=LOGIN,
        wrong_method="get",
    ),
    # Cancelling or rescheduling selected rows at once: managers only (the right bulk_change_task).
    "bulk_cancel": Row(
        "post", None, every(DENIED_UNCHANGED, manager=to("team_queue", writes=True)), LOGIN, "get"
    ),
    "bulk_reschedule": Row(
        "post", None, every(DENIED_UNCHANGED, manager=to("team_queue", writes=True)), LOGIN, "get"
    ),
    # Whoever works the queue names its filters; a saved filter is its owner's alone (anyone
    # else's is 404: tests/tasks/test_saved_filters.py).
    "saved_filter_create": Row(
        "post",
        None,
        every(to("team_queue", writes=True), admin=DENIED_UNCHANGED),
        anonymous=LOGIN,
        wrong_method="get",
    ),
    "saved_filter_delete": Row(
        "post",
        "saved_filter",
        every(to("team_queue", writes=True), admin=DENIED_UNCHANGED),
        anonymous=LOGIN,
        wrong_method="get",
    ),
    # Everyone signed in has an inbox. A notification is its recipient's alone: anyone else gets
    # a 404 (tests/notifications/test_inbox.py). A mark-read POST without an id marks all read.
    "inbox": Row("get", None, every(OK), anonymous=LOGIN, wrong_method="post"),
    "inbox_badge": Row("get", None, every(OK), anonymous=LOGIN, wrong_method="post"),
    # A line of the inbox (a kind, a day): the user's own notices only, so everyone may ask.
    "inbox_group": Row("get", None, every(OK), anonymous=LOGIN, wrong_method="post"),
    "notifications_read": Row("post", None, every(to("inbox")), anonymous=LOGIN, wrong_method="get"),
    "notification_preferences": Row("get", None, every(OK), anonymous=LOGIN, wrong_method="put"),
    "task_detail": Row("get", "task", CLINICAL_PAGE, anonymous=LOGIN, wrong_method="post"),
    "task_action": Row("post", "task", {}, anonymous=LOGIN, wrong_method="get"),  # see VERB_MATRIX
    # Each role sees its own slice (managers their teams, providers their patients, coordinators
    # their tasks); front desk and admin have no dashboard.
    "dashboard": Row("get", None, DASHBOARD, anonymous=LOGIN, wrong_method="post"),
    "dashboard_export": Row("get", None, DASHBOARD, anonymous=LOGIN, wrong_method="post"),
    # The audit: managers their teams' patients; Compliance (no fixture here: it works in no team)
    # the whole practice, tests/tasks/test_audit.py.
    "audit": Row("get", None, every(DENIED, manager=OK), anonymous=LOGIN, wrong_method="post"),
    "audit_export": Row("get", None, every(DENIED, manager=OK), anonymous=LOGIN, wrong_method="post"),
    # Spreadsheet import: managers every kind, front desk appointments only (the matrix's run is of
    # appointments, owned by the user asking); a run is its importer's alone (anyone else: 404).
    "import_list": Row("get", None, IMPORTERS, anonymous=LOGIN, wrong_method="put"),
    "import_mapping": Row("get", "import_run", IMPORTERS, anonymous=LOGIN, wrong_method="put"),
    "import_preview": Row("get", "import_run", IMPORTERS, anonymous=LOGIN, wrong_method="post"),
    "import_start": Row(
        "post",
        "import_run",
        every(
            DENIED_UNCHANGED, front_desk=to("import_run", writes=True), manager=to("import_run", writes=True)
        ),
        anonymous=LOGIN,
        wrong_method="get",
    ),
    # Chronic care management (ccm.*): front desk and admin see no CCM time or codes. Providers,
    # coordinators, assistants and managers see it; the outsider's worklist holds only their team.
    "ccm_worklist": Row("get", None, every(OK, front_desk=DENIED, admin=DENIED), LOGIN, "post"),
    "ccm_patient_print": Row("get", "patient", CCM_PAGE, anonymous=LOGIN, wrong_method="post"),
    "ccm_time_edit": Row("get", "time_entry", CCM_PAGE, anonymous=LOGIN, wrong_method="put"),
    "ccm_checklist": Row("get", "care_plan", CCM_PAGE, anonymous=LOGIN, wrong_method="put"),
    # Consent: providers, coordinators and managers (ccm.manage_consent).
    "ccm_consent": Row("post", "patient", CCM_CONSENT, anonymous=LOGIN, wrong_method="get"),
    "ccm_consent_revoke": Row("post", "patient", CCM_CONSENT, anonymous=LOGIN, wrong_method="get"),
    # Time: whoever does the care work (ccm.record_time), not managers.
    "ccm_time_add": Row("post", "patient", CCM_TIME, anonymous=LOGIN, wrong_method="get"),
    "ccm_timer": Row(
        "post",
        "task",
        every(
            DENIED_UNCHANGED,
            provider=to("task_detail", writes=True),
            coordinator=to("task_detail", writes=True),
            medical_assistant=to("task_detail", writes=True),
            outsider=HIDDEN_UNCHANGED,
        ),
        anonymous=LOGIN,
        wrong_method="get",
    ),
    # A run not started yet (the matrix's) shows its preview; a started one, its summary.
    "import_run": Row(
        "get",
        "import_run",
        every(DENIED, front_desk=to("import_preview"), manager=to("import_preview")),
        anonymous=LOGIN,
        wrong_method="post",
    ),
    "import_progress": Row("get", "import_run", IMPORTERS, anonymous=LOGIN, wrong_method="post"),
    "import_errors": Row("get", "import_run", IMPORTERS, anonymous=LOGIN, wrong_method="post"),
    # FHIR R4 reads: the patient page's scope and rights (a search names its patient in ?patient=,
    # QUERY below); plans need the plan right, so front desk is refused them.
    "fhir_everything": Row("get", "patient", CLINICAL_PAGE, anonymous=LOGIN, wrong_method="post"),
    "fhir_task_search": Row("get", None, CLINICAL_PAGE, anonymous=LOGIN, wrong_method="post"),
    "fhir_care_plan_search": Row(
        "get", None, every(OK, front_desk=DENIED, admin=DENIED, outsider=HIDDEN), LOGIN, "post"
    ),
    # Importing a Bundle: the import right (managers).
    "fhir_upload": Row("get", None, every(DENIED, manager=OK), anonymous=LOGIN, wrong_method="put"),
    # Everyone's own calendar feed settings; the feed itself answers only to its secret (none here).
    "calendar_settings": Row("get", None, every(OK), anonymous=LOGIN, wrong_method="put"),
    "calendar_feed": Row("get", None, every(HIDDEN), anonymous=HIDDEN, wrong_method="post"),
    # Billing: managers (ccm.export_billing); the export closes the month.
    "ccm_billing": Row("get", None, every(DENIED, manager=OK), anonymous=LOGIN, wrong_method="post"),
    "ccm_billing_export": Row(
        "post",
        None,
        every(DENIED_UNCHANGED, manager=Expect(200, writes=True)),
        anonymous=LOGIN,
        wrong_method="get",
    ),
}


def _url_names(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern).lstrip("^")
        if route.startswith(("admin/", settings.STATIC_URL.lstrip("/"))):
            continue
        if isinstance(entry, URLResolver):
            yield from _url_names(entry.url_patterns, route)
        else:
            yield entry.name or f"<unnamed: {route}>"


URL_NAMES = sorted(set(_url_names(get_resolver().url_patterns)))
# One case per URL name; task_action expands into one case per verb.
CASES = [
    pytest.param(name, verb, id=f"{name}-{verb}" if verb else name)
    for name in URL_NAMES
    for verb in (VERB_MATRIX if name == "task_action" else [None])
]
OBJECT_CASES = [case for case in CASES if case.values[0] in MATRIX and MATRIX[case.values[0]].target]


# ---- making the requests ------------------------------------------------------------------

# URLs whose arguments point at no object of a team: what to call them with.
FIXED_ARGS = {"inbox_group": ["overdue", "2026-12-01"], "calendar_feed": ["no-such-feed-secret"]}
# URLs that name their object in the query string: what to ask them with.
QUERY = {
    "fhir_task_search": lambda world: {"patient": world.patient.pk},
    "fhir_care_plan_search": lambda world: {"patient": world.patient.pk},
}

VERB_STATUS = {
    "start": Status.NEW,
    "wait": Status.IN_PROGRESS,
    "resume": Status.WAITING,
    "complete": Status.IN_PROGRESS,
    "cancel": Status.NEW,
    "reopen": Status.COMPLETED,
    "reassign": Status.NEW,
    "note": Status.NEW,
    "attempt": Status.NEW,
    "change": Status.NEW,
}


def verb_data(verb: str, task: Task, *, reassign_to) -> dict:
    fields = {
        "start": {},
        "wait": {"reason": WaitingReason.PATIENT_CALLBACK, "until": in_days(2).isoformat(), "note": ""},
        "resume": {"note": ""},
        "complete": {"outcome": "Visit booked"},
        "cancel": {"reason": "Duplicate"},
        "reopen": {"reason": "Booking fell through"},
        "reassign": {"to": reassign_to.pk, "reason": "Covering"},
        "note": {"body": "Daughter answers the phone"},
        "attempt": {"contact_outcome": "no_answer", "body": ""},
        "change": {
            "title": task.title,
            "kind": task.kind,
            "due_on": in_days(20).isoformat(),
            "priority": task.priority,
            "reason": "Patient away until then",
        },
    }[verb]
    if verb not in ("note", "attempt"):
        fields["version"] = task.version
    return {f"{verb}-{key}": value for key, value in fields.items()}


# A bulk action's own fields, for one row the user owns (a coordinator's for the outsider).
BULK_DATA = {
    "bulk_reassign": lambda world: {"to": world.colleague.pk, "reason": "Covering"},
    "bulk_cancel": lambda world: {"cancel-reason": "Duplicate"},
    "bulk_reschedule": lambda world: {
        "reschedule-due_on": in_days(20).isoformat(),
        "reschedule-reason": "Clinic closed that week",
    },
}


class World:
    """The conftest fixtures, made on first use: a case builds only the users it asks for."""

    def __init__(self, request):
        self._request = request
        self.users = _Users(request)

    def __getattr__(self, name):  # patient, task, other_patient, other_task, colleague
        return self._request.getfixturevalue(name)

    def import_run(self, role: str | None) -> ImportRun:
        """An uploaded run of `role`'s (a manager's for an anonymous visitor): one appointment of
        the team's patient, mapped, not started."""
        return import_run_of(self.users[role or "manager"], self.patient)

    def saved_filter(self, role: str | None) -> SavedFilter:
        """A saved filter of the user in `role` (of a coordinator for an anonymous visitor)."""
        user = self.users[role or "coordinator"]
        return SavedFilter.objects.get_or_create(user=user, name="Overdue", query="due=overdue")[0]


class _Users:
    def __init__(self, request):
        self._request = request

    def __getitem__(self, role):
        return self._request.getfixturevalue(role)


@pytest.fixture
def world(request, db):
    return World(request)


def _outcome(response, *, wrote: bool | None) -> Expect:
    target = None
    if response.status_code == 302:
        target = resolve(urlparse(response["Location"]).path).view_name
    return Expect(response.status_code, to=target, writes=wrote)


def _owner_for(world: World, role: str | None):
    return world.users["coordinator"] if role in (None, "outsider") else world.users[role]


def _call(client, name: str, row: Row, world: World, role: str | None, *, foreign=False) -> Expect:
    """One request as `role` (None: anonymous); what came back, and whether it wrote."""
    patient = world.other_patient if foreign else world.patient
    task = world.other_task if foreign else world.task
    plan = world.other_care_plan if foreign else world.care_plan
    if row.target == "saved_filter":  # another's: the outsider's
        saved = world.saved_filter("outsider" if foreign else role)
        response = client.post(reverse(name, args=[saved.pk]))
        return _outcome(response, wrote=not SavedFilter.objects.filter(pk=saved.pk).exists())
    if row.target == "import_run":
        run = world.import_run("outsider" if foreign else role)
        response = getattr(client, row.method)(reverse(name, args=[run.pk]))
        wrote = None
        if row.method == "post":
            wrote = ImportRun.objects.filter(pk=run.pk).exclude(status=RunStatus.UPLOADED).exists()
        return _outcome(response, wrote=wrote)
    if name == "saved_filter_create":
        before = SavedFilter.objects.count()
        response = client.post(reverse(name), {"name": "My overdue calls", "query": "due=overdue"})
        return _outcome(response, wrote=SavedFilter.objects.count() > before)
    if name.startswith("ccm_"):
        return _call_ccm(client, name, row, world, patient=patient, task=task, plan=plan)
    args = {"patient": [patient.pk], "task": [task.pk], "care_plan": [plan.pk], None: []}[row.target]
    args = FIXED_ARGS.get(name, args)
    url = reverse(name, args=args)
    if name in BULK_DATA:
        mine = TaskFactory(patient=patient, owner=_owner_for(world, role))
        data = {"task_ids": [f"{mine.pk}:{mine.version}"], "next": "", **BULK_DATA[name](world)}
        response = client.post(url, data)
        before = mine.version
        mine.refresh_from_db()
        return _outcome(response, wrote=mine.version != before)
    if name == "patient_note_add":
        before = PatientNote.objects.count()
        response = client.post(url, {"body": "Prefers calls after 3 pm"})
        return _outcome(response, wrote=PatientNote.objects.count() > before)
    response = getattr(client, row.method)(url, QUERY[name](world) if name in QUERY else None)
    return _outcome(response, wrote=None if row.method == "get" else False)


def ccm_args(name: str, world: World, *, patient=None, task=None, plan=None) -> list:
    """A CCM URL's arguments: its object's pk (a time entry on the patient for ccm_time_edit,
    the plan made a CCM plan for ccm_checklist), and the timer's verb."""
    patient, task, plan = patient or world.patient, task or world.task, plan or world.care_plan
    if name == "ccm_time_edit":
        entry = TimeEntry.objects.filter(patient=patient).first() or TimeEntry.objects.create(
            patient=patient,
            author=world.users["coordinator"] if patient == world.patient else world.users["outsider"],
            performed_on=timezone.localdate(),
            minutes=12,
            description="Call",
            staff_category="clinical",
        )
        return [entry.pk]
    if name == "ccm_checklist":
        plan.program = ProgramFactory(code=CCM_PROGRAM_CODE)
        plan.save()
    args = {"patient": [patient.pk], "task": [task.pk], "care_plan": [plan.pk], None: []}[MATRIX[name].target]
    return [*args, "start"] if name == "ccm_timer" else args


def _call_ccm(client, name: str, row: Row, world: World, *, patient, task, plan) -> Expect:
    """A CCM URL, with the data a user of it would send, and whether it wrote."""
    url = reverse(name, args=ccm_args(name, world, patient=patient, task=task, plan=plan))
    if row.method == "get":
        return _outcome(client.get(url), wrote=None)
    today = timezone.localdate()
    if name == "ccm_consent":
        Consent.objects.filter(patient=patient).delete()
        response = client.post(url, {"consented_on": today.isoformat(), "method": "verbal"})
        return _outcome(response, wrote=Consent.objects.filter(patient=patient).exists())
    if name == "ccm_consent_revoke":
        Consent.objects.filter(patient=patient).delete()
        Consent.objects.create(
            patient=patient, consented_on=today, method="verbal", recorded_by=world.users["manager"]
        )
        response = client.post(url, {"revoked_on": today.isoformat()})
        return _outcome(response, wrote=Consent.objects.filter(patient=patient, revoked_on=today).exists())
    if name == "ccm_time_add":
        before = TimeEntry.objects.count()
        data = {"performed_on": today.isoformat(), "minutes": 7, "description": "Call about refills"}
        return _outcome(client.post(url, data), wrote=TimeEntry.objects.count() > before)
    if name == "ccm_timer":
        RunningTimer.objects.all().delete()
        return _outcome(client.post(url), wrote=RunningTimer.objects.exists())
    if name == "ccm_billing_export":
        ClosedMonth.objects.all().delete()
        response = client.post(url, {"month": f"{today:%Y-%m}", "close_early": "on"})
        return _outcome(response, wrote=ClosedMonth.objects.exists())
    raise AssertionError(f"{name}: say what a user posts")


def _call_verb(client, verb: str, world: World, role: str | None, *, task=None) -> Expect:
    """POST `verb`. Without `task`, on a fresh task in a status the verb accepts, owned by the
    user (by a coordinator for the outsider), so that only the role decides."""
    if task is None:
        owner = _owner_for(world, role)
        task = TaskFactory(
            patient=world.patient, owner=owner, status=VERB_STATUS[verb], kind=TaskKind.OUTREACH_CALL
        )
    reassign_to = (
        world.colleague if task.owner_id == world.users["coordinator"].pk else world.users["coordinator"]
    )
    before = Activity.objects.filter(task=task).count()
    response = client.post(
        reverse("task_action", args=[task.pk, verb]), verb_data(verb, task, reassign_to=reassign_to)
    )
    return _outcome(response, wrote=Activity.objects.filter(task=task).count() > before)


def _as(client, world: World, role: str | None):
    client.logout()
    if role:
        client.force_login(world.users[role])
    return client


# ---- the tests ----------------------------------------------------------------------------


def _as_expected(actual: dict, expected: dict) -> dict:
    """`actual` with `writes` dropped wherever the expectation does not mention it."""
    return {
        key: replace(value, writes=None) if key in expected and expected[key].writes is None else value
        for key, value in actual.items()
    }


def test_every_url_has_a_row_in_the_matrix():
    assert set(URL_NAMES) - set(MATRIX) == set(), "add these URL names to MATRIX"
    assert set(MATRIX) - set(URL_NAMES) == set(), "these MATRIX rows name no URL any more"


def test_every_task_verb_has_a_row_in_the_verb_matrix():
    assert set(VERB_MATRIX) == set(VERBS)
    for verb, expected in VERB_MATRIX.items():
        assert set(expected) == set(ROLES), verb


@pytest.mark.parametrize(("name", "verb"), CASES)
def test_each_role_gets_the_expected_answer(client, world, name, verb):
    assert name in MATRIX, f"{name} has no row in the access matrix"
    row = MATRIX[name]
    if verb:
        expected = VERB_MATRIX[verb]
        actual = {role: _call_verb(_as(client, world, role), verb, world, role) for role in ROLES}
    else:
        expected = row.roles
        assert set(expected) == set(ROLES), f"{name}: give every role an expectation"
        actual = {role: _call(_as(client, world, role), name, row, world, role) for role in ROLES}
    assert _as_expected(actual, expected) == expected


@pytest.mark.parametrize(("name", "verb"), CASES)
def test_anonymous_visitor(client, world, name, verb):
    assert name in MATRIX, f"{name} has no row in the access matrix"
    row = MATRIX[name]
    if verb:
        actual = {"anonymous": _call_verb(client, verb, world, None, task=world.task)}
        expected = {"anonymous": replace(row.anonymous, writes=False)}
    else:
        actual = {"anonymous": _call(client, name, row, world, None)}
        expected = {"anonymous": row.anonymous}
    assert _as_expected(actual, expected) == expected


@pytest.mark.parametrize(("name", "verb"), OBJECT_CASES)
def test_another_teams_object_is_not_found_for_every_role(client, world, name, verb):
    row = MATRIX[name]
    roles = [role for role in ROLES if role != "outsider"]  # the other team is the outsider's own
    if verb:
        expected = dict.fromkeys(roles, HIDDEN_UNCHANGED)
        actual = {
            role: _call_verb(_as(client, world, role), verb, world, role, task=world.other_task)
            for role in roles
        }
    else:
        expected = dict.fromkeys(roles, HIDDEN)
        actual = {
            role: _call(_as(client, world, role), name, row, world, role, foreign=True) for role in roles
        }
    assert _as_expected(actual, expected) == expected


@pytest.mark.parametrize(("name", "verb"), CASES)
def test_wrong_method_is_refused(client, world, name, verb):
    assert name in MATRIX, f"{name} has no row in the access matrix"
    row = MATRIX[name]
    if row.anonymous.status == 302:  # login required: ask as someone who may use the URL
        client.force_login(world.users["manager"])
    targets = {"patient": world.patient, "task": world.task, "care_plan": world.care_plan}
    if row.target == "saved_filter":
        targets["saved_filter"] = world.saved_filter("manager")
    if row.target == "import_run":
        targets["import_run"] = world.import_run("manager")
    if name.startswith("ccm_"):
        args = ccm_args(name, world)
    else:
        args = [targets[row.target].pk] if row.target else FIXED_ARGS.get(name, [])
    url = reverse(name, args=[*args, verb] if verb else args)

    assert client.generic(row.wrong_method.upper(), url).status_code == 405
