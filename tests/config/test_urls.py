"""The authorization matrix, built from the URL configuration.

Every URL name in config.urls (admin and static aside) must have a row below, or
test_every_url_has_a_row_in_the_matrix fails: a new page cannot ship without saying who may use
it. Each row gives the expected answer per role for an object of the user's own team (the
outsider works in another team, so for them it is someone else's object), anonymous access, and a
method the URL refuses. Objects of another team are 404 for everyone.
"""

from dataclasses import replace

import pytest
from django.conf import settings
from django.urls import URLResolver, get_resolver, reverse

from tasks.views import VERBS
from tests.config.url_calls import (
    DENIED,
    DENIED_UNCHANGED,
    FIXED_ARGS,
    HIDDEN,
    HIDDEN_UNCHANGED,
    LOGIN,
    OK,
    Expect,
    Row,
    _as,
    _call,
    _call_verb,
    ccm_args,
    every,
    to,
)
from tests.conftest import ROLE_FIXTURES as ROLES

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
    "ccm_dashboard_tiles": Row("get", None, every(OK, front_desk=DENIED, admin=DENIED), LOGIN, "post"),
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
        args = ccm_args(name, world, target=row.target)
    else:
        args = [targets[row.target].pk] if row.target else FIXED_ARGS.get(name, [])
    url = reverse(name, args=[*args, verb] if verb else args)

    assert client.generic(row.wrong_method.upper(), url).status_code == 405
