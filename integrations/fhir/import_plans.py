"""The FHIR import's care plans, goals and tasks (integrations.fhir.importer runs them, after the
patients they belong to), each upserted like a spreadsheet's rows: the row a resource was imported
as before (integrations.fhir.matching) is updated with what changed, with a history row "FHIR
import"; an unchanged resource writes nothing. A task's changed status is a status change on its
timeline, a changed owner a reassignment, any other change a "Changed" row."""

from __future__ import annotations

from django.utils import timezone
from django.utils.text import slugify

from careplans.actions import ensure_enrollment
from careplans.models import CarePlan, CarePlanStatus, Goal, Program
from integrations.fhir import mapping as m
from integrations.fhir.bundle import Entry, as_date, as_instant, coding_code, concept_text, extension_value
from integrations.fhir.report import Issue
from tasks.choices import ActivityKind, Priority, Status, TaskKind
from tasks.models import Task
from tasks.rights import can_own, can_own_kind
from tasks.transitions import record, status_since

REASON = "FHIR import"
PLAN_OPEN = (CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD)
# The fields that go with a task's status: changed with it, they are part of its status change.
STATUS_FIELDS = ("waiting_reason", "waiting_until", "outcome", "completed_at")


def _differs(row, name: str, value) -> bool:
    """Whether `row.<name>` is not `value`; a relation by its id (no related row read)."""
    field = row._meta.get_field(name)
    if field.is_relation:
        return getattr(row, field.attname) != (value.pk if value is not None else None)
    return getattr(row, name) != value


class PlanImport:
    """Mixed into the importer's run (which holds the Bundle, the report, the matcher, and
    resolves patients and users)."""

    def upsert(self, entry: Entry, existing, values: dict, make) -> tuple[object, list[str]]:
        """`existing` updated with `values` (the names that changed), or a new row `make(**values)`
        (every name); saved with history, counted in the report, its identifiers recorded."""
        if existing is None:
            row = make(**values)
            self._save(row)
            self.report.created[entry.type] += 1
            self.match.remember(entry, row, made=True)
            return row, list(values)
        changed = [name for name, value in values.items() if _differs(existing, name, value)]
        for name in changed:
            setattr(existing, name, values[name])
        if changed:
            if hasattr(existing, "version"):
                existing.version += 1  # as an edit on the page does: a form open on the old one is stale
            self._save(existing)
            self.report.updated[entry.type] += 1
        else:
            self.report.unchanged[entry.type] += 1
        self.match.remember(entry, existing, made=False)
        return existing, changed

    def _other_patients(self, entry: Entry, row, patient) -> bool:
        if row is not None and row.patient_id != patient.pk:
            self.error(entry, f"its identifier is that of another patient's {entry.type}")
            return True
        return False

    # ---- care plans and goals ------------------------------------------------------------------

    def care_plan(self, entry: Entry) -> set[int]:
        r = entry.resource
        patient = self.patient_of(entry, r.get("subject"), "its subject")
        status = m.CAREPLAN_STATUS_IN.get(r.get("status") or "")
        if status is None:
            self.error(
                entry, f"status {r.get('status')!r} is not one we take ({', '.join(m.CAREPLAN_STATUS_IN)})"
            )
        existing = None
        if patient is not None:
            existing = self.match.find(entry, ours=lambda plan: plan.patient_id == patient.pk)
            if self._other_patients(entry, existing, patient):
                return set()
        author = (
            self.user_of(r.get("author"))
            or (existing.author if existing else None)
            or self.default_owner
            or (patient.primary_provider if patient else None)
        )
        if author is None:
            self.error(entry, "its author is no user here: name a default owner (--owner)")
        if patient is None or status is None or author is None:
            return set()
        period = r.get("period") or {}
        ends_on = as_date(period.get("end"))
        starts_on = as_date(period.get("start")) or as_date(r.get("created"))
        if starts_on is None and existing is not None:
            starts_on = existing.starts_on
        if starts_on is None:
            today = timezone.localdate()
            starts_on = min(today, ends_on) if ends_on else today
            self.report.notes.append(Issue(entry.label, f"no start date: starts {starts_on.isoformat()}"))
        if ends_on and ends_on < starts_on:
            self.error(entry, "its period ends before it starts")
            return set()
        values = {
            "program": self._program(entry, r.get("category") or []),
            "status": status,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "author": author,
            "interventions": str(r.get("description") or ""),
        }
        plan, changed = self.upsert(entry, existing, values, lambda **v: CarePlan(patient=patient, **v))
        if status in PLAN_OPEN and "status" in changed:  # made, or opened: an unchanged plan writes nothing
            ensure_enrollment(patient, plan.program, starts_on)
        self.plans[id(entry)] = plan
        listed = set()
        for ref in r.get("goal") or []:
            target = self.read.resolve(ref)
            if target is None or target.type != "Goal":
                self.report.notes.append(
                    Issue(
                        entry.label,
                        f"goal {ref.get('reference') or ref.get('display')!r} is not in the Bundle: left out",
                    )
                )
                continue
            listed.add(id(target))
            self.goal(target, plan)
        return listed

    def _program(self, entry: Entry, categories: list[dict]) -> Program:
        for concept in categories:
            code = coding_code(concept, m.PROGRAM_SYSTEM)
            if code and (found := Program.objects.filter(code=code).first()):
                return found
            text = concept_text(concept)
            if text and (found := Program.objects.filter(name__iexact=text).first()):
                return found
        concept = categories[0] if categories else {}
        name = (concept_text(concept) or "Imported care plans")[:120]
        code = (coding_code(concept, m.PROGRAM_SYSTEM) or slugify(name) or "imported")[:40]
        program, created = Program.objects.get_or_create(
            code=code, defaults={"name": name, "is_active": False}
        )
        if created:
            self.report.created["Program (inactive, for an admin to review)"] += 1
            self.report.notes.append(Issue(entry.label, f"program {name!r} was unknown: created inactive"))
        return program

    def goal(self, entry: Entry, plan: CarePlan) -> None:
        r = entry.resource
        achievement = coding_code(r.get("achievementStatus"), m.ACHIEVEMENT_SYSTEM) or None
        status = m.goal_status_in(r.get("lifecycleStatus") or "", achievement)
        if status is None:
            return self.error(entry, f"lifecycleStatus {r.get('lifecycleStatus')!r} is not one we take")
        description = concept_text(r.get("description"))
        if not description:
            return self.error(entry, "needs a description")
        target = next(iter(r.get("target") or []), {})
        target_text = str(target.get("detailString") or "")
        if not target_text and target.get("detailQuantity"):
            q = target["detailQuantity"]
            target_text = f"{q.get('value', '')} {q.get('unit') or q.get('code') or ''}".strip()
        existing = self.match.find(entry, ours=lambda goal: goal.care_plan_id == plan.pk)
        if existing is not None and existing.care_plan_id != plan.pk:
            return self.error(entry, "its identifier is that of a goal of another care plan")
        values = {"description": description[:300], "target": target_text[:200], "status": status}
        self.upsert(entry, existing, values, lambda **v: Goal(care_plan=plan, **v))
        return None

    # ---- tasks -------------------------------------------------------------------------------

    def task(self, entry: Entry) -> None:
        r = entry.resource
        patient = self.patient_of(entry, r.get("for"), "its patient (for)")
        status = m.TASK_STATUS_IN.get(r.get("status") or "")
        if status is None:
            self.error(
                entry, f"status {r.get('status')!r} is not one we take ({', '.join(m.TASK_STATUS_IN)})"
            )
        restriction_end = as_date(((r.get("restriction") or {}).get("period") or {}).get("end"))
        due_on = as_date(extension_value(r, m.DUE_DATE_URL, "valueDate")) or restriction_end
        if due_on is None:
            self.error(entry, "has no due date (restriction.period.end)")
        if patient is None or status is None or due_on is None:
            return None
        existing = self.match.find(entry, ours=lambda task: task.patient_id == patient.pk)
        if self._other_patients(entry, existing, patient):
            return None
        kind = coding_code(r.get("code"), m.TASK_KIND_SYSTEM)
        if kind not in m.TASK_KINDS:
            label = concept_text(r.get("code")).lower()
            kind = next((value for value, text in TaskKind.choices if text.lower() == label), TaskKind.OTHER)
        title = (str(r.get("description") or "") or concept_text(r.get("code")) or "Imported task").strip()
        # A Practitioner who is a user here owns it; else it keeps its owner; else the default.
        owner = self.user_of(r.get("owner")) or (existing.owner if existing else None) or self.default_owner
        if owner is None:
            return self.error(entry, "its owner is no user here: name a default owner (--owner)")
        if not can_own(owner.pk, patient.care_team_id):
            return self.error(
                entry, f"owner {owner.username} is not an active member of the patient's care team"
            )
        if not can_own_kind(owner, kind):
            return self.error(entry, f"owner {owner.username} works scheduling and outreach calls only")
        plan = self._based_on(entry, r)
        if plan is not None and plan.patient_id != patient.pk:
            return self.error(entry, "is based on a care plan of another patient")
        values = {
            "title": title[:200],
            "kind": kind,
            "owner": owner,
            "due_on": due_on,
            "status": status,
            "priority": m.TASK_PRIORITY_IN.get(r.get("priority") or "", Priority.NORMAL),
            **self._status_fields(status, r, restriction_end or due_on, existing),
        }
        if plan is not None or existing is None:
            values["care_plan"] = plan  # a basedOn not in the Bundle leaves the task's plan as it is
        was = (existing.status, existing.owner_id) if existing else None
        since = (status_since(existing) or existing.created_at) if existing else None
        task, changed = self.upsert(
            entry,
            existing,
            values,
            lambda **v: Task(patient=patient, care_team_id=patient.care_team_id, created_by=self.by, **v),
        )
        if existing is None:
            record(task, kind=ActivityKind.IMPORT, by=self.by, to_status=status, to_owner=owner, body=REASON)
        else:
            self._timeline(task, changed, was, since)
        return None

    def _based_on(self, entry: Entry, r: dict) -> CarePlan | None:
        plan = None
        for ref in r.get("basedOn") or []:
            target = self.read.resolve(ref)
            if target is not None and target.type == "CarePlan":
                plan = self.plans.get(id(target))
            elif ref.get("reference"):
                self.report.notes.append(
                    Issue(entry.label, f"basedOn {ref['reference']!r} is not in the Bundle: left out")
                )
        return plan

    def _timeline(self, task: Task, changed: list[str], was, since) -> None:
        """The updated task's timeline: its status moved, its owner changed, anything else."""
        from_status, from_owner_id = was
        if "status" in changed:
            record(
                task,
                kind=ActivityKind.STATUS_CHANGE,
                by=self.by,
                from_status=from_status,
                from_status_since=since,
                to_status=task.status,
                body=REASON,
            )
        if "owner" in changed:
            record(
                task,
                kind=ActivityKind.REASSIGNMENT,
                by=self.by,
                from_owner_id=from_owner_id,
                to_owner=task.owner,
                body=REASON,
            )
        told = {"status", "owner", *(STATUS_FIELDS if "status" in changed else ())}
        rest = [name for name in changed if name not in told]
        if rest:
            names = ", ".join(str(Task._meta.get_field(name).verbose_name) for name in rest)
            record(task, kind=ActivityKind.CHANGE, by=self.by, body=f"{REASON}: {names}")

    def _status_fields(self, status: str, r: dict, restriction_end, existing) -> dict:
        """The fields that go with `status` (and the others cleared): a Waiting task's reason
        and waiting-until, a completed one's outcome and when, a cancelled one's reason."""
        fields = dict(zip(STATUS_FIELDS, ("", None, "", None), strict=True))
        if status == Status.WAITING:
            business = r.get("businessStatus")
            reason = coding_code(business, m.WAITING_REASON_SYSTEM)
            if reason not in m.WAITING_REASONS:
                reason = m.WAITING_REASON_BY_LABEL.get(concept_text(business).lower(), "other")
            fields["waiting_reason"], fields["waiting_until"] = reason, restriction_end
        elif status == Status.COMPLETED:
            outcome = next(
                (
                    o.get("valueString")
                    for o in r.get("output") or []
                    if concept_text(o.get("type")) == m.OUTCOME_TYPE
                ),
                None,
            )
            fields["outcome"] = (
                outcome or concept_text(r.get("statusReason")) or "Completed before the import"
            ).strip()
            fields["completed_at"] = (
                as_instant((r.get("executionPeriod") or {}).get("end"))
                or as_instant(r.get("lastModified"))
                or (existing.completed_at if existing else None)
                or timezone.now()
            )
        elif status == Status.CANCELLED:
            fields["outcome"] = (
                concept_text(r.get("statusReason")) or f"Cancelled before the import ({r.get('status')})"
            )
        return fields
