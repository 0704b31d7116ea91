from django.conf import settings
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from careplans.models import Patient, scope_q
from tasks.choices import (
    CLOSED_STATUSES,
    FRONT_DESK_KINDS,
    OPEN_STATUSES,
    ActivityKind,
    ContactOutcome,
    Priority,
    Status,
    TaskKind,
    WaitingReason,
)

_OPEN = Q(status__in=OPEN_STATUSES)

QUEUE_COLUMNS = (
    *("title", "kind", "due_on", "status", "priority", "waiting_reason", "waiting_until", "version"),
    *("patient__first_name", "patient__last_name", "patient__mrn", "patient__risk_level"),
    *("owner__username", "owner__first_name", "owner__last_name"),
    *("care_plan__program__name",),
    "care_team",  # the access log's row for the patient shown
)


def visibility_q(user, *, task: str = "") -> Q | None:
    """Which tasks `user` may see, as a condition: tasks inherit their patient's scope, and
    without the clinical right (front desk) a user sees scheduling and outreach work, and
    whatever they own. None: no task at all. `task` is the path to the task's own fields from
    the model queried ("task__" from an Activity, which carries the task's patient itself)."""
    scope = scope_q(user, "patient__")
    if scope is None:
        return None
    if not user.has_perm("careplans.view_clinical"):
        scope &= Q(**{f"{task}kind__in": FRONT_DESK_KINDS}) | Q(**{f"{task}owner": user})
    return scope


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        visible = visibility_q(user)
        return self.none() if visible is None else self.filter(visible)

    def open(self):
        return self.filter(_OPEN)

    # Overdue, due today and the other windows are in tasks.rowsets, the one place each is written.

    def for_panel(self):
        """What the task page and side panel show beside the task: its patient, owner, team and
        plan, the task it waits for (and that task's owner), how many contact attempts it has had
        and the latest note about its patient (subqueries: no query more)."""
        attempts = (
            Activity.objects.filter(task=OuterRef("pk"), kind=ActivityKind.CONTACT_ATTEMPT)
            .order_by()
            .values("task")
            .annotate(n=Count("pk"))
            .values("n")
        )
        patient_note = PatientNote.objects.filter(patient=OuterRef("patient")).order_by("-created_at", "-pk")
        return self.select_related(
            "patient", "owner", "care_team", "care_plan__program", "completed_by", "depends_on__owner"
        ).annotate(
            contact_attempts=Coalesce(Subquery(attempts), 0),
            patient_note=Subquery(patient_note.values("body")[:1]),
        )

    def for_queue(self):
        """Exactly what a queue row (and the queue's CSV export) renders: patient, owner and
        program with the task, and only the columns shown, so 100 rows load quickly."""
        return self.select_related("patient", "owner", "care_plan__program").only(*QUEUE_COLUMNS)

    def for_patient_page(self):
        return self.select_related("owner", "care_plan__program").order_by("due_on", "pk")

    def for_list(self):
        return self.select_related("patient", "owner", "care_plan__program").order_by(
            "due_on", "-priority", "pk"
        )


class Task(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="tasks")
    care_plan = models.ForeignKey(
        "careplans.CarePlan", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    template_task = models.ForeignKey(
        "careplans.TemplateTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurrence = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=TaskKind.choices, default=TaskKind.OTHER)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_tasks")
    care_team = models.ForeignKey("accounts.CareTeam", on_delete=models.PROTECT, related_name="tasks")
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    waiting_reason = models.CharField(max_length=20, choices=WaitingReason.choices, blank=True)
    waiting_until = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="Completion outcome or cancellation reason.")
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    depends_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    previous_occurrence = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recurrence_days = models.PositiveSmallIntegerField(null=True, blank=True)
    recurrence_ends_on = models.DateField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = TaskQuerySet.as_manager()

    class Meta:
        permissions = [
            ("work_task", "Can move own tasks through statuses"),
            ("add_scheduling_task", "Can create scheduling and outreach tasks"),
            ("reassign_own_task", "Can reassign own tasks within the team"),
            ("reassign_any_task", "Can reassign any task of a managed team"),
            ("reopen_task", "Can reopen completed or cancelled tasks"),
            ("bulk_change_task", "Can cancel or reschedule selected tasks of the queue at once"),
            ("view_dashboard", "Can view a dashboard (by default of their own tasks)"),
            ("view_team_dashboard", "Dashboard shows the teams they manage"),
            ("view_patients_dashboard", "Dashboard shows the tasks of their own patients"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False) & Q(due_on__isnull=False),
                name="task_has_owner_and_due_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.WAITING)
                | (~Q(waiting_reason="") & Q(waiting_until__isnull=False)),
                name="task_waiting_has_reason_and_until",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.COMPLETED) | (~Q(outcome="") & Q(completed_at__isnull=False)),
                name="task_completed_has_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.CANCELLED) | ~Q(outcome=""),
                name="task_cancelled_has_reason",
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="task_status_valid"),
            models.CheckConstraint(
                condition=Q(recurrence_days__isnull=True) | Q(recurrence_days__gte=1),
                name="task_recurrence_positive",
            ),
            models.UniqueConstraint(
                fields=["care_plan", "template_task", "occurrence"],
                condition=Q(template_task__isnull=False),
                name="task_generated_once_per_plan_occurrence",
            ),
        ]
        indexes = [
            # My work: a user's open tasks by due date.
            models.Index(fields=["owner", "due_on"], condition=_OPEN, name="task_open_owner_due_idx"),
            # Team queue and dashboards: a team's open tasks by due date. The trailing columns make
            # the dashboard's count of open work (dashboards.counts.count_figures, "open")
            # an index-only scan: no visit to the table for ~10k open tasks of a manager's teams.
            models.Index(
                fields=[
                    "care_team",
                    "due_on",
                    "status",
                    "waiting_until",
                    "owner",
                    "kind",
                    "patient",
                    "care_plan",
                    "id",
                ],
                condition=_OPEN,
                name="task_open_team_due_idx",
            ),
            # Team queue: the open tasks of a team's patients, one index probe a patient (scope
            # is by the patient's team), with the columns the queue sorts and counts by.
            models.Index(
                fields=["patient", "due_on", "priority", "id"], condition=_OPEN, name="task_open_patient_idx"
            ),
            # Team queue: the first page of the open tasks of any number of teams, in the
            # queue's orders (tasks.filters), read from the index without sorting them all
            # (careplans.paging): by due date, and by priority.
            models.Index(
                F("due_on"), F("priority").desc(), F("id"), condition=_OPEN, name="task_open_order_due_idx"
            ),
            models.Index(
                F("priority").desc(), F("due_on"), F("id"), condition=_OPEN, name="task_open_order_prio_idx"
            ),
            # Patient page: a patient's tasks.
            models.Index(fields=["patient", "due_on"], name="task_patient_due_idx"),
            # Dashboards: a team's completions over a date range, on time or late, by type and
            # owner (dashboards.counts.count_figures, "completed" and "closed"): index-only.
            models.Index(
                fields=["care_team", "completed_at", "due_on", "kind", "owner", "patient", "id"],
                condition=Q(status=Status.COMPLETED),
                name="task_completed_team_idx",
            ),
            # Dashboards: a team's cancelled tasks, to find those cancelled in a period
            # (tasks.rowsets.closed_between): index-only.
            models.Index(
                fields=["care_team", "owner", "patient", "id"],
                condition=Q(status=Status.CANCELLED),
                name="task_cancelled_team_idx",
            ),
            # Dashboards: every task of a team, as the set a time-in-status sample is checked
            # against (dashboards.selectors.time_in_status): index-only.
            models.Index(fields=["care_team", "patient", "id"], name="task_team_patient_idx"),
        ]

    def __str__(self) -> str:
        return f"task #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("task_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th ... 11th, 12th, 13th ... 21st: how a call list counts attempts."""
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class ActivityQuerySet(models.QuerySet):
    def for_timeline(self):
        return self.select_related("actor", "from_owner", "to_owner").order_by("-created_at", "-pk")

    def with_attempt_numbers(self):
        """Each row's place among its task's rows of its kind, oldest first: on a contact attempt,
        which attempt it was (`Activity.headline`). A window over the rows read anyway, so a
        timeline costs no query more; filter by whole tasks before it (a patient, a task), or
        the count starts over within what is left."""
        return self.annotate(
            attempt_number=Window(
                Count("pk"),
                partition_by=[F("task_id"), F("kind")],
                order_by=[F("created_at").asc(), F("pk").asc()],
            )
        )


class Activity(models.Model):
    """The timeline: append-only typed events. Time-in-status and reassignment metrics come from here."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="activities")
    # The task's patient and care team, copied (a task never changes patient; its team changes
    # only with its patient's, by tasks.transfer, which moves these rows too), so the flow
    # metrics select a team's timeline rows from an index without joining every task.
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="activities")
    care_team = models.ForeignKey("accounts.CareTeam", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=ActivityKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    # A status change: when the task entered `from_status` (its previous status event), so the
    # time spent in it is created_at - from_status_since.
    from_status_since = models.DateTimeField(null=True, blank=True)
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_outcome = models.CharField(max_length=20, choices=ContactOutcome.choices, blank=True)
    body = models.TextField(blank=True, help_text="Note text, reason or outcome.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "activities"
        indexes = [
            # Task page timeline.
            models.Index(fields=["task", "created_at"], name="activity_task_time_idx"),
            # Patient page timeline.
            models.Index(fields=["patient", "created_at"], name="activity_patient_time_idx"),
            # Flow metrics: the status changes of a period, with what time in status needs
            # (tasks.rowsets.status_exits): index-only.
            models.Index(
                fields=["kind", "created_at", "from_status", "to_status", "task", "id"],
                name="activity_kind_time_idx",
            ),
            # Time in status: a team's moves out of an open status in a period, with the time
            # each took (dashboards.history.time_in_status): index-only.
            models.Index(
                fields=[
                    "care_team",
                    "created_at",
                    "from_status",
                    "from_status_since",
                    "patient",
                    "task",
                    "id",
                ],
                condition=Q(kind=ActivityKind.STATUS_CHANGE, from_status__in=OPEN_STATUSES),
                name="activity_team_exit_idx",
            ),
            # A task's status events in order: the one before a move is when the task entered the
            # status it leaves (tasks.actions, from_status_since).
            models.Index(
                fields=["task", "created_at", "id"],
                condition=Q(kind__in=(ActivityKind.CREATED, ActivityKind.STATUS_CHANGE)),
                name="activity_status_seq_idx",
            ),
            # Closed in a period: cancellations by time (tasks.rowsets.closed_between).
            models.Index(
                fields=["created_at", "task"],
                condition=Q(kind=ActivityKind.STATUS_CHANGE, to_status=Status.CANCELLED),
                name="activity_cancel_time_idx",
            ),
            # Reassignment rate: which tasks were ever reassigned (tasks.rowsets.reassigned_q).
            models.Index(
                fields=["task"],
                condition=Q(kind=ActivityKind.REASSIGNMENT),
                name="activity_reassign_task_idx",
            ),
            # The audit's changes, newest first: the practice's, a team's, a user's (tasks.audit).
            models.Index(fields=["created_at", "id"], name="activity_time_idx"),
            models.Index(fields=["care_team", "created_at", "id"], name="activity_team_time_idx"),
            models.Index(fields=["actor", "created_at", "id"], name="activity_actor_time_idx"),
            # Reschedules per closed task: which tasks had their due date moved later
            # (tasks.rowsets.rescheduled_q).
            models.Index(
                fields=["task"],
                condition=Q(kind=ActivityKind.RESCHEDULE),
                name="activity_reschedule_task_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Activities are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Activities are append-only")

    @property
    def headline(self) -> str:
        """What the timeline calls the row: "2nd attempt: No answer" for a contact attempt read
        with its number (ActivityQuerySet.with_attempt_numbers), else its kind."""
        if self.kind != ActivityKind.CONTACT_ATTEMPT:
            return self.get_kind_display()
        number = getattr(self, "attempt_number", None)
        which = f"{ordinal(number)} attempt" if number else "Contact attempt"
        return f"{which}: {self.get_contact_outcome_display()}"


class PatientNote(models.Model):
    """A note about the patient rather than one task: "prefers calls after 3 pm", "daughter is
    the contact". Everyone who works with the patient reads it, front desk included, so it holds
    contact and scheduling context, never clinical narrative (that stays in the EHR). Written only
    by tasks.notes.add_patient_note; append-only, like the timeline it appears in."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="patientnote_has_body")]
        indexes = [
            # Patient page (its notes, newest first) and the task panel's latest note.
            models.Index(fields=["patient", "created_at"], name="patientnote_patient_time_idx"),
        ]

    def __str__(self) -> str:
        return f"note #{self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Patient notes are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Patient notes are append-only")


class SavedFilter(models.Model):
    """A team queue filter its user named, to open again from the queue or My work: the query
    string the queue's filters read (tasks.filters.TaskFilter.querystring), checked by them when
    saved. One person's own shortcut; nobody else sees it, and it widens nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            # Also the index of the list: a user's saved filters by name.
            models.UniqueConstraint(fields=["user", "name"], name="saved_filter_name_unique_per_user"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('team_queue')}?{self.query}"
