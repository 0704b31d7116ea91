"""Our rows as FHIR R4 resources (plain JSON-ready dicts, in the shape fhir.resources.R4B
validates: R4B's Patient, CarePlan, Goal, Task, Appointment and Practitioner are R4's).

The builders read only the row and what was loaded with it (select_related), so a page of
resources costs no query per resource; users come through `Practitioners`, which also collects
the Practitioner resources a Bundle holds for the owners and authors it names. What a reader
may not see is left out by the caller's flags, never filtered here: `clinical` (goals,
interventions) and `plans` (the care plan a task is based on)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from integrations.fhir import mapping as m
from tasks.choices import Status, TaskKind, WaitingReason


def _instant(value: datetime.datetime | None) -> str | None:
    """In the practice's time zone (the default one, read once: timezone.localtime's lookup of
    the active zone was half the cost of a Task in a million-row export)."""
    return value.astimezone(timezone.get_default_timezone()).isoformat() if value else None


def mrn_system() -> str:
    return settings.FHIR_MRN_SYSTEM


class Practitioners:
    """The users a set of resources names, as Practitioner references and resources. `known`:
    users by id, for callers that did not load them with the rows (the bulk export)."""

    def __init__(self, known: dict | None = None):
        self.known = known or {}
        self.named: dict[int, object] = {}
        self._refs: dict[int, dict] = {}

    def ref_for(self, row, field: str) -> dict | None:
        """The reference to the user in `row.<field>`: the object loaded with the row
        (select_related), else the one `known` holds for its id; None without one."""
        user_id = getattr(row, f"{field}_id")
        if user_id is None:
            return None
        user = row._state.fields_cache.get(field) or self.known.get(user_id)
        return self.ref(user) if user is not None else None

    def ref(self, user) -> dict:
        """One reference dict per user, shared by the resources naming them (read-only)."""
        if user.pk not in self._refs:
            self.named[user.pk] = user
            self._refs[user.pk] = {
                "reference": f"Practitioner/{user.pk}",
                "identifier": {"system": m.USERNAME_SYSTEM, "value": user.username},
                "display": user.get_full_name() or user.username,
            }
        return self._refs[user.pk]

    def resources(self) -> list[dict]:
        return [practitioner_resource(user) for _pk, user in sorted(self.named.items())]


def practitioner_resource(user) -> dict:
    resource = {
        "resourceType": "Practitioner",
        "id": str(user.pk),
        "identifier": [{"system": m.USERNAME_SYSTEM, "value": user.username}],
        "active": user.is_active,
    }
    if user.first_name or user.last_name:
        resource["name"] = [_name(user.last_name, user.first_name)]
    return resource


def _name(family: str, given: str) -> dict:
    name = {"use": "official"}
    if family:
        name["family"] = family
    if given:
        name["given"] = [given]
    return name


def patient_resource(patient, practitioners: Practitioners) -> dict:
    identifiers = [
        {
            "use": "usual",
            "type": {"coding": [{"system": m.MRN_TYPE_SYSTEM, "code": "MR"}], "text": "MRN"},
            "system": mrn_system(),
            "value": patient.mrn,
        }
    ]
    if patient.ehr_id:
        identifiers.append({"system": m.EHR_ID_SYSTEM, "value": patient.ehr_id})
    resource = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "extension": [{"url": m.RISK_LEVEL_URL, "valueCode": patient.risk_level}],
        "identifier": identifiers,
        "active": True,
        "name": [_name(patient.last_name, patient.first_name)],
        "birthDate": patient.birth_date.isoformat(),
    }
    if patient.is_restricted:
        resource["meta"] = {
            "security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}]
        }
    if patient.phone:
        resource["telecom"] = [{"system": "phone", "value": patient.phone}]
    provider = practitioners.ref_for(patient, "primary_provider")
    if provider:
        resource["generalPractitioner"] = [provider]
    return resource


def care_plan_resource(plan, practitioners: Practitioners, *, clinical: bool, goals=None) -> dict:
    """`goals`: the plan's goals (prefetched), listed only when `clinical`."""
    period = {"start": plan.starts_on.isoformat()}
    if plan.ends_on:
        period["end"] = plan.ends_on.isoformat()
    program = plan.program
    resource = {
        "resourceType": "CarePlan",
        "id": str(plan.pk),
        "identifier": [{"system": m.OWN_ID_SYSTEMS["CarePlan"], "value": str(plan.pk)}],
        "status": m.CAREPLAN_STATUS_OUT[plan.status],
        "intent": "plan",
        "category": [
            {
                "coding": [{"system": m.PROGRAM_SYSTEM, "code": program.code, "display": program.name}],
                "text": program.name,
            }
        ],
        "title": f"{program.name} plan",
        "subject": {"reference": f"Patient/{plan.patient_id}"},
        "period": period,
        "created": _instant(plan.created_at),
    }
    author = practitioners.ref_for(plan, "author")
    if author:
        resource["author"] = author
    if clinical:
        if plan.interventions:
            resource["description"] = plan.interventions
        if goals:
            resource["goal"] = [{"reference": f"Goal/{goal.pk}"} for goal in goals]
    return resource


def goal_resource(goal, *, patient_id: int) -> dict:
    lifecycle, achievement = m.GOAL_STATUS_OUT[goal.status]
    resource = {
        "resourceType": "Goal",
        "id": str(goal.pk),
        "identifier": [{"system": m.OWN_ID_SYSTEMS["Goal"], "value": str(goal.pk)}],
        "lifecycleStatus": lifecycle,
        "description": {"text": goal.description},
        "subject": {"reference": f"Patient/{patient_id}"},
    }
    if achievement:
        resource["achievementStatus"] = {"coding": [{"system": m.ACHIEVEMENT_SYSTEM, "code": achievement}]}
    if goal.target:
        # gol-1: a target's detail needs a measure; ours is free text, so the measure is too.
        resource["target"] = [{"measure": {"text": "Target"}, "detailString": goal.target}]
    return resource


def task_resource(task, practitioners: Practitioners, *, plans: bool) -> dict:
    kind = TaskKind(task.kind)
    waiting = task.status == Status.WAITING
    restriction_end = task.waiting_until if waiting and task.waiting_until else task.due_on
    resource = {
        "resourceType": "Task",
        "id": str(task.pk),
        "identifier": [{"system": m.OWN_ID_SYSTEMS["Task"], "value": str(task.pk)}],
        "extension": [{"url": m.DUE_DATE_URL, "valueDate": task.due_on.isoformat()}],
        "status": m.TASK_STATUS_OUT[task.status],
        "intent": "order",
        "priority": m.TASK_PRIORITY_OUT[task.priority],
        "code": {
            "coding": [{"system": m.TASK_KIND_SYSTEM, "code": kind.value, "display": kind.label}],
            "text": kind.label,
        },
        "description": task.title,
        "for": {"reference": f"Patient/{task.patient_id}"},
        "authoredOn": _instant(task.created_at),
        "lastModified": _instant(task.updated_at),
        "restriction": {"period": {"end": restriction_end.isoformat()}},
    }
    owner = practitioners.ref_for(task, "owner")
    if owner:
        resource["owner"] = owner
    if plans and task.care_plan_id:
        resource["basedOn"] = [{"reference": f"CarePlan/{task.care_plan_id}"}]
    if waiting and task.waiting_reason:
        reason = WaitingReason(task.waiting_reason)
        resource["businessStatus"] = {
            "coding": [{"system": m.WAITING_REASON_SYSTEM, "code": reason.value, "display": reason.label}],
            "text": reason.label,
        }
    if task.status == Status.COMPLETED:
        resource["output"] = [{"type": {"text": m.OUTCOME_TYPE}, "valueString": task.outcome}]
        if task.completed_at:
            resource["executionPeriod"] = {"end": _instant(task.completed_at)}
    elif task.status == Status.CANCELLED and task.outcome:
        resource["statusReason"] = {"text": task.outcome}
    return resource


# FHIR asks an appointment with a start for an end too (app-2); we keep the start only, so the
# end written is the start plus this.
APPOINTMENT_MINUTES = 30


def appointment_resource(appointment, practitioners: Practitioners) -> dict:
    start = appointment.starts_at.astimezone(timezone.get_default_timezone())
    participants = [{"actor": {"reference": f"Patient/{appointment.patient_id}"}, "status": "accepted"}]
    provider = practitioners.ref_for(appointment, "provider")
    if provider:
        participants.append({"actor": provider, "status": "accepted"})
    resource = {
        "resourceType": "Appointment",
        "id": str(appointment.pk),
        "status": m.APPOINTMENT_STATUS_OUT[appointment.status],
        "start": start.isoformat(),
        "end": (start + datetime.timedelta(minutes=APPOINTMENT_MINUTES)).isoformat(),
        "minutesDuration": APPOINTMENT_MINUTES,
        "participant": participants,
    }
    if appointment.external_id:
        resource["identifier"] = [
            {"system": f"{m.BASE}:appointment:{appointment.source}", "value": appointment.external_id}
        ]
    if appointment.kind:
        resource["appointmentType"] = {"text": appointment.kind}
    return resource


def bundle(entries: list[dict], *, base: str, kind: str = "searchset") -> dict:
    """A Bundle of `entries` (resources), each with its full URL under `base` (".../fhir/R4/")."""
    result = {"resourceType": "Bundle", "type": kind}
    if kind == "searchset":
        result["total"] = len(entries)
    result["entry"] = [{"fullUrl": f"{base}{r['resourceType']}/{r['id']}", "resource": r} for r in entries]
    return result
