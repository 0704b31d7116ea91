"""Escalation policies turned into a few set-based steps.

Each (program, risk level) pair resolves to its most specific policy. Pairs sharing a level and
the kind of recipient form one step, whatever their thresholds, and a step is one claim over
every task it covers: a run costs a few statements per step whatever the number of tasks.
"""

from __future__ import annotations

import datetime
import operator
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce

from django.contrib.auth.models import Permission
from django.db.models import Case, Q, TextField, Value, When

from accounts.models import User
from careplans.models import CarePlan, Patient, RiskLevel
from notifications.models import EscalationPolicy
from tasks import rowsets
from tasks.models import Task

MANAGERS = None  # a step's recipients when it names no role: the care team's managers


@dataclass(frozen=True)
class Threshold:
    after_days: int
    covers: Q  # the tasks (by program and risk level) whose policy sets this threshold


@dataclass(frozen=True)
class Step:
    """One level to one kind of recipient, over every threshold that leads there: a single
    claim, whatever the number of policies or tasks."""

    level: int
    role: int | None  # MANAGERS for level 1, the policy's second-level role (group id) for level 2
    thresholds: tuple[Threshold, ...]
    every_kind: bool = False  # providers hear of every kind of work, not clinical kinds only

    def candidates(self, *, today: datetime.date):
        """Tasks this step escalates today: overdue past their threshold, below this level, and
        needing attention (a task still waiting within its waiting-until date is not)."""
        # Overdue for more than N days: overdue as of N days ago.
        past = [
            t.covers & rowsets.overdue_q(today - datetime.timedelta(days=t.after_days))
            for t in self.thresholds
        ]
        return Task.objects.filter(
            rowsets.needs_attention_q(today), reduce(operator.or_, past), escalation_level__lt=self.level
        )

    def _text(self, threshold: Threshold) -> str:
        days = threshold.after_days
        return f"Overdue more than {days} day{'' if days == 1 else 's'}: escalated to level {self.level}"

    @property
    def reason(self) -> str | Case:
        """Why, for the timeline and the history: each task's own threshold."""
        if len(self.thresholds) == 1:
            return self._text(self.thresholds[0])
        return Case(
            *[When(t.covers, then=Value(self._text(t))) for t in self.thresholds],
            default=Value(f"Overdue: escalated to level {self.level}"),
            output_field=TextField(),
        )


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


def provider_ids():
    """Providers: the users who hold the clinical right, through a role or their own."""
    clinical = Permission.objects.filter(content_type__app_label="careplans", codename="edit_clinical")
    return (
        User.objects.filter(Q(groups__permissions__in=clinical) | Q(user_permissions__in=clinical))
        .values_list("pk", flat=True)
        .distinct()
    )


def role_is_clinical(group_id: int | None) -> bool:
    """Whether a role (group) holds the clinical right: a providers' role."""
    return (
        group_id is not None
        and Permission.objects.filter(
            group__pk=group_id, content_type__app_label="careplans", codename="edit_clinical"
        ).exists()
    )


def steps(policies: list[EscalationPolicy]) -> list[Step]:
    """The steps of a run, level 1 before level 2 (a task past both thresholds gets both)."""
    resolve = _resolver(policies)
    specific = sorted({p.program_id for p in policies if p.program_id})
    # Tasks of programs without a policy of their own, and tasks outside any care plan.
    elsewhere = Q(care_plan__isnull=True) | ~_in_programs(specific) if specific else Q()
    # (level, role, whether providers hear of every kind) -> threshold days -> tasks covered
    groups: dict[tuple[int, int | None, bool], dict[int, list[Q]]] = defaultdict(lambda: defaultdict(list))
    for risk in RiskLevel.values:
        for program_id in [*specific, None]:
            policy = resolve(program_id, risk)
            if policy is None:
                continue
            where = _at_risk(risk) & (_in_programs([program_id]) if program_id else elsewhere)
            every = policy.providers_hear_every_kind
            groups[(1, MANAGERS, every)][policy.first_level_after_days].append(where)
            if policy.second_level_after_days is not None:
                groups[(2, policy.second_level_group_id, every)][policy.second_level_after_days].append(where)
    return [
        Step(
            level=level,
            role=role,
            every_kind=every,
            thresholds=tuple(
                Threshold(after_days=days, covers=reduce(operator.or_, wheres))
                for days, wheres in sorted(by_days.items())
            ),
        )
        for (level, role, every), by_days in sorted(
            groups.items(), key=lambda item: (item[0][0], item[0][1] or 0, item[0][2])
        )
    ]
