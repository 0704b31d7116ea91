"""Escalation policies turned into a few set-based steps.

Each (program, risk level) pair resolves to its most specific policy. Pairs sharing a level, a
threshold and a second-level role form one step, and a step is one claim over every task it
covers, so a run costs a few statements per step whatever the number of tasks.
"""

from __future__ import annotations

import datetime
import operator
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce

from django.db.models import Q

from careplans.models import CarePlan, Patient, RiskLevel
from notifications.models import EscalationPolicy
from tasks.choices import Status
from tasks.models import Task

MANAGERS = None  # a step's recipients when it names no role: the care team's managers


@dataclass(frozen=True)
class Step:
    level: int
    after_days: int
    role: str | None  # MANAGERS for level 1, the policy's second-level role for level 2
    covers: Q  # the tasks (by program and risk level) whose policy this is

    @property
    def reason(self) -> str:
        return f"Overdue more than {self.after_days} days: escalated to level {self.level}"

    def candidates(self, *, today: datetime.date):
        """Tasks this step escalates today: overdue past the threshold, below this level, and
        needing attention (a task still waiting within its waiting-until date is not)."""
        return Task.objects.filter(
            needs_attention(today),
            self.covers,
            escalation_level__lt=self.level,
            due_on__lt=today - datetime.timedelta(days=self.after_days),
        )


def needs_attention(today: datetime.date) -> Q:
    return Q(status__in=(Status.NEW, Status.IN_PROGRESS)) | Q(status=Status.WAITING, waiting_until__lt=today)


def _resolver(policies: list[EscalationPolicy]):
    by_key = {(p.program_id, p.risk_level): p for p in policies}

    def resolve(program_id: int | None, risk: str) -> EscalationPolicy | None:
        keys = [(program_id, risk), (program_id, "")] if program_id else []
        for key in [*keys, (None, risk), (None, "")]:
            if key in by_key:
                return by_key[key]
        return None

    return resolve


# Subqueries rather than joins: a step's claim is then an UPDATE of the task table alone, whose
# conditions PostgreSQL checks again on each row it locks.
def _at_risk(risk: str) -> Q:
    return Q(patient_id__in=Patient.objects.filter(risk_level=risk).values("pk"))


def _in_programs(program_ids) -> Q:
    return Q(care_plan_id__in=CarePlan.objects.filter(program_id__in=program_ids).values("pk"))


def steps(policies: list[EscalationPolicy]) -> list[Step]:
    """The steps of a run, level 1 before level 2 (a task past both thresholds gets both)."""
    resolve = _resolver(policies)
    specific = sorted({p.program_id for p in policies if p.program_id})
    # Tasks of programs without a policy of their own, and tasks outside any care plan.
    elsewhere = Q(care_plan__isnull=True) | ~_in_programs(specific) if specific else Q()
    groups: dict[tuple[int, int, str | None], list[Q]] = defaultdict(list)
    for risk in RiskLevel.values:
        for program_id in [*specific, None]:
            policy = resolve(program_id, risk)
            if policy is None:
                continue
            where = _at_risk(risk) & (_in_programs([program_id]) if program_id else elsewhere)
            groups[(1, policy.first_level_after_days, MANAGERS)].append(where)
            if policy.second_level_after_days is not None:
                key = (2, policy.second_level_after_days, policy.second_level_role)
                groups[key].append(where)
    return [
        Step(level=level, after_days=days, role=role, covers=reduce(operator.or_, wheres))
        for (level, days, role), wheres in sorted(groups.items(), key=lambda item: item[0][:2])
    ]
