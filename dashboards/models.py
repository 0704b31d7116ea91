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
            # Covering: the trend of twenty teams is an index-only scan (dashboards.history).
            models.Index(
                fields=["care_team", "day"],
                include=["location", "program", "backlog", "overdue"],
                name="metricsnapshot_team_day_idx",
            ),
            # Dashboard trend for coordinators: their own rows over the period, per day.
            models.Index(fields=["owner", "day"], name="metricsnapshot_owner_day_idx"),
        ]

    def __str__(self) -> str:
        return f"snapshot {self.day} #{self.pk}"


class TeamSnapshot(models.Model):
    """MetricSnapshot summed over owners: the trend of a manager's teams, filtered by team,
    location and program, reads these (a tenth of the rows: about ten owners a team). Written
    with the snapshots, by the same function (dashboards.services.take_snapshots)."""

    day = models.DateField()
    care_team = models.ForeignKey("accounts.CareTeam", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        "careplans.Program", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    backlog = models.PositiveIntegerField()
    overdue = models.PositiveIntegerField()

    class Meta:
        indexes = [
            # The trend of a manager's teams: an index-only scan (dashboards.history.trend).
            models.Index(
                fields=["care_team", "day"],
                include=["location", "program", "backlog", "overdue"],
                name="teamsnapshot_team_day_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"team snapshot {self.day} #{self.pk}"


class SnapshotDay(models.Model):
    """A day whose snapshot was taken, and when. The trend shows these days only: a day the job
    never ran is a gap in the chart, not a drop to zero."""

    day = models.DateField(unique=True)
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"snapshot day {self.day}"


class OpenCount(models.Model):
    """The practice's open work, counted: n open tasks (New, In progress, Waiting) of patients
    who are not restricted share these values. The dashboard sums the rows of a manager's teams
    instead of counting their tasks (dashboards.open_counts), so twenty teams cost what two do.

    Kept by database triggers (dashboards.open_count_sql) in the transaction of every write to
    tasks_task, careplans_patient (risk, location, team, restricted) and careplans_careplan
    (program): a write appends rows of +1 and -1 and never updates one, so writers never wait
    for each other here. Several rows may share their values; a job sums them up
    (dashboards.open_counts.compact). Dates are clamped around the anchor day
    (OpenCountAnchor), which is what keeps the rows few. Plain ids, no foreign keys: derived
    data, rebuilt whole from the tasks by `manage.py open_counts --rebuild`."""

    care_team_id = models.BigIntegerField(help_text="The task's care team.")
    patient_team_id = models.BigIntegerField(help_text="The patient's care team (what scope reads).")
    owner_id = models.BigIntegerField()
    program_id = models.BigIntegerField(null=True, blank=True, help_text="None: an ad-hoc task.")
    location_id = models.BigIntegerField(help_text="The patient's location.")
    risk_level = models.CharField(max_length=10)
    kind = models.CharField(max_length=20)
    due_on = models.DateField(help_text="The due date, clamped to the anchor's due window.")
    waiting_until = models.DateField(
        null=True, blank=True, help_text="Waiting tasks only: the date, clamped to the wait window."
    )
    n = models.IntegerField(help_text="Tasks: a change appends -1 and +1 rows until they are summed.")

    class Meta:
        indexes = [models.Index(fields=["care_team_id"], name="opencount_team_idx")]

    def __str__(self) -> str:
        return f"open count #{self.pk}"


class OpenCountAnchor(models.Model):
    """The day the open counts were last built for (one row), and the date windows the triggers
    clamp to. A due date before `due_low` reads as `due_low` and one after `due_high` as
    `due_high`; waits likewise: every row classifies overdue, due today, due in the next 7
    days and wait ended exactly as its tasks do, for a today of `day` or the day after. Later
    (the nightly rebuild has not run), the dashboard counts its tasks as it always did."""

    day = models.DateField()
    due_low = models.DateField()
    due_high = models.DateField()
    wait_low = models.DateField()
    wait_high = models.DateField()
    built_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"open counts as of {self.day}"


# ---- flow figures per closed day (dashboards.flow_days) ------------------------------------------
# Derived data, rebuilt whole per day from the tasks and the timeline by dashboards.flow_days.rebuild
# (the job every 10 minutes for the last weeks, `manage.py flow_days` for more). Plain ids, no
# foreign keys, the keys of OpenCount, so one condition (open_counts.kept_condition) selects a
# slice of either. Restricted patients are left out, as from the open counts.


class FlowDay(models.Model):
    """The tasks closed on `day` (practice time) that share these values, as they are at the
    rebuild: completed on time or late (by their latest completion), closed (completed or
    cancelled, by their latest closing), reassigned at least once, and their reassignments and
    reschedules (the counts of dashboards.counts' completed and closed branches)."""

    day = models.DateField()
    care_team_id = models.BigIntegerField()
    patient_team_id = models.BigIntegerField()
    owner_id = models.BigIntegerField()
    program_id = models.BigIntegerField(null=True, blank=True)
    location_id = models.BigIntegerField()
    kind = models.CharField(max_length=20)
    on_time = models.IntegerField(default=0)
    late = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    reassigned = models.IntegerField(default=0)
    reassignments = models.IntegerField(default=0)
    reschedules = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "care_team_id"], name="flowday_day_team_idx")]

    def __str__(self) -> str:
        return f"flow {self.day} #{self.pk}"


class FlowExit(models.Model):
    """Moves out of an open status on `day` (practice time) that share these values: `n` of them,
    whose time in the status fell in log-scale `bucket` (dashboards.flow_days.BUCKET_FACTOR;
    None: the timeline does not say since when), and whose task's previous move out of the same
    status fell on `previous_day` (None: it had none). The tasks that moved on in a period are
    the moves whose previous one falls before the period: exact, summed over days. No owner or
    type: a viewer without the clinical right is counted from the timeline."""

    day = models.DateField()
    care_team_id = models.BigIntegerField()
    patient_team_id = models.BigIntegerField()
    program_id = models.BigIntegerField(null=True, blank=True)
    location_id = models.BigIntegerField()
    from_status = models.CharField(max_length=12)
    previous_day = models.DateField(null=True, blank=True)
    bucket = models.SmallIntegerField(null=True, blank=True)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["day", "care_team_id"], name="flowexit_day_team_idx")]

    def __str__(self) -> str:
        return f"flow exits {self.day} #{self.pk}"


class FlowDayTaken(models.Model):
    """A day whose flow rows were built, when, and up to which instant: the day's end, or (today,
    built by the job as it goes) the instant of the rebuild, after which the page counts live.
    The dashboard reads the rows only when every day from its period's first to the last taken
    is taken, all whole but the last; else it counts the period from the tasks."""

    day = models.DateField(unique=True)
    taken_at = models.DateTimeField()
    until = models.DateTimeField(help_text="The rows count what happened before this instant.")
    whole = models.BooleanField(help_text="Built up to the day's end (practice time).")

    def __str__(self) -> str:
        return f"flow day {self.day}"
