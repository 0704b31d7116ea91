"""Metric snapshots: the backlog as it stood at the start of each day, for the trend chart.

Derived data, rebuilt whole per day by dashboards.services.take_snapshots (the nightly job and the
backfill command), so nobody edits it and it keeps no history of its own.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce


class MetricSnapshot(models.Model):
    """Open tasks and overdue tasks at 00:00 practice time on `day`, for one slice: care team,
    patient location, program (none for ad-hoc tasks) and owner. A slice with no open task has no
    row; SnapshotDay says which days were taken, so a missing row reads as zero, not as a gap."""

    day = models.DateField()
    care_team = models.ForeignKey("accounts.CareTeam", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        "careplans.Program", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    backlog = models.PositiveIntegerField(help_text="Open tasks (New, In progress, Waiting).")
    overdue = models.PositiveIntegerField(help_text="Open tasks due before this day.")

    class Meta:
        constraints = [
            # One row per slice and day: a second run of the nightly job, a retry or a backfill
            # over the same days can only replace rows, never add to them. Coalesce: NULL
            # programs are distinct in a plain unique index, and ad-hoc tasks have no program.
            models.UniqueConstraint(
                F("day"),
                F("care_team"),
                F("location"),
                Coalesce(F("program"), Value(0)),
                F("owner"),
                name="metricsnapshot_one_row_per_slice_and_day",
            ),
            models.CheckConstraint(
                condition=models.Q(overdue__lte=F("backlog")), name="metricsnapshot_overdue_within_backlog"
            ),
        ]
        indexes = [
            # Dashboard trend for managers: their teams' rows over the period, per day.
            models.Index(fields=["care_team", "day"], name="metricsnapshot_team_day_idx"),
            # Dashboard trend for coordinators: their own rows over the period, per day.
            models.Index(fields=["owner", "day"], name="metricsnapshot_owner_day_idx"),
        ]

    def __str__(self) -> str:
        return f"snapshot {self.day} #{self.pk}"


class SnapshotDay(models.Model):
    """A day whose snapshot was taken, and when. The trend shows these days only: a day the job
    never ran is a gap in the chart, not a drop to zero."""

    day = models.DateField(unique=True)
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"snapshot day {self.day}"
