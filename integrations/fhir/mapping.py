"""How our fields and FHIR R4's say the same thing, both ways, each in one table.

Export reads each table left to right (our value → the FHIR code written); import reads it right
to left, and also accepts the extra FHIR codes listed on the row (FHIR has more states than we do:
`requested` and `received` are work not started yet, New; `rejected`, `failed` and
`entered-in-error` are work that will not happen, Cancelled). A FHIR code on no row is refused
with a message naming the codes we take."""

from careplans.models import AppointmentStatus, CarePlanStatus, GoalStatus
from tasks.choices import Priority, Status, TaskKind, WaitingReason

# Identifier systems and extension URLs of this application. Override the MRN system per
# practice with settings.FHIR_MRN_SYSTEM (e.g. the EHR's OID) so exported MRNs say whose they are.
BASE = "urn:followthrough"
MRN_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"  # identifier type MR
EHR_ID_SYSTEM = f"{BASE}:ehr-id"
USERNAME_SYSTEM = f"{BASE}:username"
PROGRAM_SYSTEM = f"{BASE}:program"
TASK_KIND_SYSTEM = f"{BASE}:task-kind"
WAITING_REASON_SYSTEM = f"{BASE}:waiting-reason"
RISK_LEVEL_URL = f"{BASE}:extension:risk-level"
# A Waiting task's restriction.period.end is its waiting-until (the table below), so its due date
# needs a place of its own: this extension, written on every exported Task. Import reads it
# first, then restriction.period.end.
DUE_DATE_URL = f"{BASE}:extension:due-date"
# Our own ids, in the identifier our export writes on each CarePlan, Goal and Task: importing our
# export again finds the row by it (integrations.fhir.matching).
OWN_ID_SYSTEMS = {"CarePlan": f"{BASE}:care-plan", "Goal": f"{BASE}:goal", "Task": f"{BASE}:task"}
OUTCOME_TYPE = "outcome"  # Task.output[].type.text of a completed task's recorded outcome

# ---- the task status table -----------------------------------------------------------------
# (our status, FHIR Task.status written, FHIR codes also read as ours)
# Waiting ↔ on-hold: businessStatus carries the waiting reason (coding in WAITING_REASON_SYSTEM,
# text its label), restriction.period.end the waiting-until. Due date ↔ restriction.period.end
# (and the DUE_DATE_URL extension); owner ↔ Practitioner; care plan ↔ basedOn.
TASK_STATUS_TABLE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (Status.NEW, "ready", ("requested", "received", "draft", "accepted")),
    (Status.IN_PROGRESS, "in-progress", ()),
    (Status.WAITING, "on-hold", ()),
    (Status.COMPLETED, "completed", ()),
    (Status.CANCELLED, "cancelled", ("rejected", "failed", "entered-in-error")),
)

TASK_STATUS_OUT: dict[str, str] = {ours: fhir for ours, fhir, _also in TASK_STATUS_TABLE}
TASK_STATUS_IN: dict[str, str] = {
    code: ours for ours, fhir, also in TASK_STATUS_TABLE for code in (fhir, *also)
}

# ---- the other tables ----------------------------------------------------------------------
# (ours, FHIR written, FHIR also read)
# FHIR has nothing below routine: Low goes out as routine and comes back Normal (the one lossy row).
TASK_PRIORITY_TABLE = (
    (Priority.NORMAL, "routine", ()),
    (Priority.LOW, "routine", ()),
    (Priority.HIGH, "urgent", ()),
    (Priority.URGENT, "asap", ("stat",)),
)
TASK_PRIORITY_OUT = {ours: fhir for ours, fhir, _also in TASK_PRIORITY_TABLE}
TASK_PRIORITY_IN: dict[str, int] = {}
for _ours, _fhir, _also in TASK_PRIORITY_TABLE:
    for _code in (_fhir, *_also):
        TASK_PRIORITY_IN.setdefault(_code, _ours)

CAREPLAN_STATUS_TABLE = (
    (CarePlanStatus.DRAFT, "draft", ()),
    (CarePlanStatus.ACTIVE, "active", ()),
    (CarePlanStatus.ON_HOLD, "on-hold", ()),
    (CarePlanStatus.COMPLETED, "completed", ()),
    (CarePlanStatus.REVOKED, "revoked", ("entered-in-error",)),
)
CAREPLAN_STATUS_OUT = {ours: fhir for ours, fhir, _also in CAREPLAN_STATUS_TABLE}
CAREPLAN_STATUS_IN = {code: ours for ours, fhir, also in CAREPLAN_STATUS_TABLE for code in (fhir, *also)}

# Appointment: the scheduling feed (integrations.scheduling) acts on moved, cancelled and no-show.
APPOINTMENT_STATUS_TABLE = (
    (AppointmentStatus.BOOKED, "booked", ("proposed", "pending", "waitlist")),
    (AppointmentStatus.ARRIVED, "arrived", ("checked-in",)),
    (AppointmentStatus.FULFILLED, "fulfilled", ()),
    (AppointmentStatus.CANCELLED, "cancelled", ("entered-in-error",)),
    (AppointmentStatus.NO_SHOW, "noshow", ()),
)
APPOINTMENT_STATUS_OUT = {ours: fhir for ours, fhir, _also in APPOINTMENT_STATUS_TABLE}
APPOINTMENT_STATUS_IN = {
    code: ours for ours, fhir, also in APPOINTMENT_STATUS_TABLE for code in (fhir, *also)
}

# Goal: (ours, lifecycleStatus, achievementStatus code or None, lifecycle codes also read)
GOAL_STATUS_TABLE = (
    (GoalStatus.PROPOSED, "proposed", None, ("planned", "accepted", "on-hold")),
    (GoalStatus.ACTIVE, "active", None, ()),
    (GoalStatus.ACHIEVED, "completed", "achieved", ()),
    (GoalStatus.NOT_ACHIEVED, "completed", "not-achieved", ()),
    (GoalStatus.CANCELLED, "cancelled", None, ("rejected", "entered-in-error")),
)
GOAL_STATUS_OUT = {ours: (life, achieved) for ours, life, achieved, _also in GOAL_STATUS_TABLE}
ACHIEVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/goal-achievement"


def goal_status_in(lifecycle: str, achievement: str | None) -> str | None:
    """Our goal status for a FHIR lifecycleStatus (and achievementStatus code, which tells the
    two completed outcomes apart: completed without one is achieved)."""
    if lifecycle == "completed":
        return GoalStatus.NOT_ACHIEVED if achievement == "not-achieved" else GoalStatus.ACHIEVED
    for ours, life, _achieved, also in GOAL_STATUS_TABLE:
        if lifecycle == life or lifecycle in also:
            return ours
    return None


TASK_KINDS = set(TaskKind.values)
WAITING_REASONS = set(WaitingReason.values)
WAITING_REASON_BY_LABEL = {label.lower(): value for value, label in WaitingReason.choices}
