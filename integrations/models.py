"""A practice's data in and out: spreadsheet imports, FHIR R4, the scheduling feed, calendar feeds.

The import models come first (integrations.imports); models of the other integrations follow."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class ImportKind(models.TextChoices):
    PATIENTS = "patients", "Patients"
    APPOINTMENTS = "appointments", "Appointments"
    ENROLLMENTS = "enrollments", "Enrollments"
    CAREPLANS = "careplans", "Care plans"


class ImportMapping(models.Model):
    """A source's column mapping, saved under a name ("athena export", "payer gaps") for its next
    file: {column header: field}. One per name and kind."""

    name = models.CharField(max_length=40)
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    columns = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "kind"]
        constraints = [models.UniqueConstraint(fields=["name", "kind"], name="import_mapping_name_per_kind")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class RunStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"  # mapped and previewed, not started
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Imported"
    REFUSED = "refused", "Refused"  # row errors: nothing was written
    FAILED = "failed", "Failed"  # an unexpected error: nothing was written


class ImportRunQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("created_by").order_by("-created_at", "-pk")


class ImportRun(models.Model):
    """One file imported once. Its counts are the summary the page and the command print; its
    id names every history row it writes ("Import run #12")."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    source = models.CharField(max_length=40, blank=True, help_text="The mapping's name, if saved.")
    file_name = models.CharField(max_length=200)
    # The uploaded file, kept under FOLLOWTHROUGH_VAR_DIR/imports until the run is done: the worker
    # reads it from there (never from the request). Emptied when the run ends.
    stored_path = models.CharField(max_length=300, blank=True)
    mapping = models.JSONField(default=dict)
    team = models.ForeignKey(
        "accounts.CareTeam",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Rows that name no team go to this one.",
    )
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0, help_text="Rows checked so far.")
    saved_rows = models.PositiveIntegerField(
        default=0, help_text="Rows saved so far, in the run's transaction (undone if a later row is refused)."
    )
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        permissions = [
            (
                "import_rows",
                "Can import patients, appointments, enrollments and care plans from a spreadsheet",
            ),
            ("import_appointments", "Can import appointments from a spreadsheet"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="import_run_status_valid"),
        ]
        indexes = [
            # The imports page: a user's runs, newest first.
            models.Index(fields=["created_by", "-created_at"], name="import_run_user_time_idx"),
        ]

    def __str__(self) -> str:
        return f"Import run #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("import_run", args=[self.pk])

    @property
    def label(self) -> str:
        """What history rows and timelines say made a change."""
        return f"Import run #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.REFUSED, RunStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.total_rows:
            return 0
        return min(99, (100 * self.processed_rows) // self.total_rows)


class ImportRowError(models.Model):
    """Why one row of a run was refused: the row number as a spreadsheet shows it (the header is
    row 1), the row's key as the file gives it (its MRN; an appointment's id and MRN; an
    enrollment's MRN and program, a plan's MRN and template: what staff search by, never a name),
    the column header, the reason. Read as the run's downloadable error report."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="row_errors")
    row = models.PositiveIntegerField()
    key = models.CharField(max_length=120, blank=True)
    column = models.CharField(max_length=120, blank=True)
    message = models.CharField(max_length=300)

    class Meta:
        ordering = ["run", "row", "pk"]
        indexes = [
            # A run's error report, in row order.
            models.Index(fields=["run", "row"], name="import_error_run_row_idx"),
        ]

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


def feed_token_hash(token: str) -> str:
    """What is stored of a calendar feed's secret: its SHA-256. The secret itself is shown once,
    when the feed is turned on or reset; a leaked database gives no working feed URL."""
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    """A user's personal iCalendar feed (integrations.calendar): on while this row exists, at
    /calendar/<secret>.ics. Resetting replaces the secret, so the old URL stops at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"calendar feed #{self.pk}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)


class FhirIdentifier(models.Model):
    """An identifier an imported CarePlan, Goal or Task came with ("system|value", or its Bundle
    entry's fullUrl when it had none), so that importing the resource again finds the row it made
    and updates it instead of making another. Our own exports write our id in our system
    (integrations.fhir.mapping.OWN_ID_SYSTEMS); a row of ours is found by it without a link."""

    resource_type = models.CharField(max_length=20)
    key = models.CharField(max_length=500)
    care_plan = models.ForeignKey(
        "careplans.CarePlan", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    goal = models.ForeignKey(
        "careplans.Goal", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource_type", "key"], name="fhir_identifier_once"),
            models.CheckConstraint(
                condition=Q(care_plan__isnull=False) | Q(goal__isnull=False) | Q(task__isnull=False),
                name="fhir_identifier_names_a_row",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource_type} {self.key}"
