"""How the authorization matrix (tests/config/test_urls.py) calls each URL: the expected answers
(Expect, Row), the world of users and objects the calls act on, and one call per URL name or
task verb, with the arguments, query and form data each needs."""

from dataclasses import dataclass
from urllib.parse import urlparse

from django.urls import resolve, reverse
from django.utils import timezone

from ccm.models import CCM_PROGRAM_CODE, ClosedMonth, Consent, RunningTimer, TimeEntry
from integrations.models import ImportRun, RunStatus
from tasks.choices import Status, TaskKind, WaitingReason
from tasks.models import Activity, PatientNote, SavedFilter, Task
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


def ccm_args(name: str, world: World, *, target: str | None, patient=None, task=None, plan=None) -> list:
    """A CCM URL's arguments (`target`: the kind of object its matrix row names): its object's pk (a time entry on the patient for ccm_time_edit,
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
    args = {"patient": [patient.pk], "task": [task.pk], "care_plan": [plan.pk], None: []}[target]
    return [*args, "start"] if name == "ccm_timer" else args


def _call_ccm(client, name: str, row: Row, world: World, *, patient, task, plan) -> Expect:
    """A CCM URL, with the data a user of it would send, and whether it wrote."""
    url = reverse(name, args=ccm_args(name, world, target=row.target, patient=patient, task=task, plan=plan))
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
