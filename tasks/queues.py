"""Selectors for the work queues: each returns exactly what its page renders, in a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count

from tasks import rowsets
from tasks.models import Task

# A section shows its first rows; the rest are one click away in the team queue, filtered.
SECTION_LIMIT = 25


@dataclass
class MyWork:
    today: datetime.date
    overdue: list[Task] = field(default_factory=list)
    due_today: list[Task] = field(default_factory=list)
    upcoming: list[Task] = field(default_factory=list)
    waiting: list[Task] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def next_task(self) -> Task | None:
        for section in (
            self.overdue,
            self.due_today,
            [t for t in self.waiting if t.is_wait_ended],
        ):
            if section:
                return section[0]
        return self.upcoming[0] if self.upcoming else None


def my_work(user, *, today: datetime.date) -> MyWork:
    """The user's own open work: five queries whatever its size (counts, then a page per section).

    The sections are tasks.rowsets.MY_WORK_SECTIONS, the digest's too: Waiting tasks are listed
    under Waiting only (ended waits first), even when past due, so a task never shows twice; the
    Overdue count on dashboards still includes them."""
    mine = Task.objects.visible_to(user).filter(owner=user).open()
    conditions = {name: section(today) for name, section in rowsets.MY_WORK_SECTIONS.items()}
    counts = mine.aggregate(
        **{name: Count("pk", filter=condition) for name, condition in conditions.items()},
        waiting_ended=Count("pk", filter=rowsets.wait_ended_q(today)),
    )
    by_due = ("due_on", "-priority", "pk")
    sections = {
        "overdue": mine.filter(conditions["overdue"]).order_by(*by_due),
        "due_today": mine.filter(conditions["due_today"]).order_by(*by_due),
        "upcoming": mine.filter(conditions["upcoming"]).order_by(*by_due),
        "waiting": mine.filter(conditions["waiting"]).order_by("waiting_until", "due_on", "pk"),
    }
    rows = {
        name: list(rowsets.with_due_flags(qs.for_queue(), today)[:SECTION_LIMIT])
        for name, qs in sections.items()
    }
    return MyWork(today=today, counts=counts, **rows)


@dataclass
class Section:
    key: str
    label: str
    count: int
    rows: list[Task]
    empty: str
    queue_query: str  # the team queue filter showing all of this section's rows


def my_work_sections(work: MyWork, *, owner_id: int) -> list[Section]:
    owner = f"owner={owner_id}"
    return [
        Section(
            "overdue",
            "Overdue",
            work.counts["overdue"],
            work.overdue,
            "Nothing overdue.",
            f"{owner}&due=overdue&status=new&status=in_progress",
        ),
        Section(
            "due_today",
            "Due today",
            work.counts["due_today"],
            work.due_today,
            "Nothing else due today.",
            f"{owner}&due=today&status=new&status=in_progress",
        ),
        Section(
            "upcoming",
            "Upcoming (7 days)",
            work.counts["upcoming"],
            work.upcoming,
            "Nothing due in the next 7 days.",
            f"{owner}&due=next7&status=new&status=in_progress",
        ),
        Section(
            "waiting",
            "Waiting",
            work.counts["waiting"],
            work.waiting,
            "Nothing waiting.",
            f"{owner}&status=waiting",
        ),
    ]
