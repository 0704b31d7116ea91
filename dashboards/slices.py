"""The slice of work a dashboard shows, and a figure: a count with the queue URL listing it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from accounts.models import User
from tasks import rowsets
from tasks.models import Activity, Task, visibility_q

TREND_DAYS = 90


@dataclass(frozen=True)
class Slice:
    """Whose work (scope), narrowed by the page's filters, over a period, as of `today`."""

    user: User
    scope: str
    today: datetime.date
    start: datetime.date
    end: datetime.date
    care_team_id: int | None = None
    location_id: int | None = None
    program_id: int | None = None
    # The teams the user manages (scope TEAMS), loaded with the filter choices.
    team_ids: tuple[int, ...] | None = None

    def tasks(self):
        """The tasks every figure counts from: what the user may see, in scope, filtered."""
        return self._tasks

    def timeline(self):
        """The Activity rows of exactly those tasks. Whose work by team or patient: selected on
        the rows themselves, which carry their task's care team and patient (as `task IN (the
        tasks)`, PostgreSQL hashed every task of the teams to keep a tenth of a period's moves).
        One person's own tasks are few: from them to their rows."""
        if self.scope == rowsets.Scope.MINE:
            return Activity.objects.filter(task__in=self.tasks())
        condition = self._condition("task__")
        return Activity.objects.none() if condition is None else Activity.objects.filter(condition)

    @cached_property
    def flow_coverage(self):
        """Which closed days the flow rows answer for this slice (dashboards.flow_days), or None:
        every flow figure counted from the tasks. Read once per page."""
        from dashboards import flow_days  # flow_days reads slices' users and dates, not this module

        return flow_days.coverage(self)

    @cached_property
    def _tasks(self):
        condition = self._condition("")
        return Task.objects.none() if condition is None else Task.objects.filter(condition)

    def _condition(self, task: str) -> Q | None:
        """Visible to the user, in scope, filtered; `task` is the path to the task's own fields."""
        visible = visibility_q(self.user, task=task)
        if visible is None:
            return None
        condition = visible & rowsets.scope_condition(
            user=self.user, scope=self.scope, team_ids=self.team_ids, task=task
        )
        if self.care_team_id:
            condition &= Q(care_team_id=self.care_team_id)
        if self.location_id:
            condition &= Q(patient__location_id=self.location_id)
        if self.program_id:
            condition &= Q(**{f"{task}care_plan__program_id": self.program_id})
        return condition

    def queue_params(self) -> list[tuple[str, object]]:
        """The team-queue filters that select `tasks()`."""
        params = [("scope", self.scope)]
        for name, value in (
            ("care_team", self.care_team_id),
            ("location", self.location_id),
            ("program", self.program_id),
        ):
            if value:
                params.append((name, value))
        return params

    def period_params(self, event: str, first: datetime.date | None = None) -> list[tuple[str, object]]:
        return [
            ("event", event),
            ("event_on_after", (first or self.start).isoformat()),
            ("event_on_before", self.end.isoformat()),
        ]

    @cached_property
    def _queue_prefix(self) -> str:
        return reverse("team_queue") + "?" + urlencode(self.queue_params())

    def queue_url(self, params: Iterable[tuple[str, object]] = ()) -> str:
        extra = "&".join(_encoded(name, str(value)) for name, value in params)
        return f"{self._queue_prefix}&{extra}" if extra else self._queue_prefix

    @property
    def week_start(self) -> datetime.date:
        return rowsets.week_start(self.today)

    @property
    def period_days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def trend_start(self) -> datetime.date:
        """The trend shows TREND_DAYS up to the period's end, however short the period."""
        return min(self.start, self.end - datetime.timedelta(days=TREND_DAYS - 1))


@lru_cache(maxsize=4096)
def _encoded(name: str, value: str) -> str:
    """One `name=value` of a queue URL, as urlencode writes it. A practice-wide dashboard writes
    about 500 URLs, most sharing their period and filter pairs: each pair is encoded once."""
    return urlencode([(name, value)])


@dataclass(frozen=True)
class Figure:
    """A count and the queue URL listing exactly the tasks it counts."""

    value: int
    url: str
