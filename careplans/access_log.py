"""Who saw which patient: the access log (every view, export and refusal, append-only) and the
emergency accesses that widen a user's scope for a few hours. Models of the careplans app, in a
module of their own; careplans.access writes the log, careplans.emergency grants the accesses."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class AccessReason(models.TextChoices):
    VIEW = "view", "View"
    EXPORT = "export", "Export"
    EMERGENCY = "emergency", "Emergency"


class AccessOutcome(models.TextChoices):
    SHOWN = "shown", "Shown"
    REFUSED = "refused", "Refused"


class AccessLogQuerySet(models.QuerySet):
    """No update or delete through the ORM either: the rows are evidence."""

    def update(self, **kwargs):
        raise ValueError("The access log is append-only")

    def delete(self):
        raise ValueError("The access log is append-only")


class PatientAccessLog(models.Model):
    """Append-only: one row per patient a response showed (or was refused), and one row per bulk
    export, with no patient, the number of patients it held and its filter. Exports share the
    table so the audit reads one index-backed list, newest first, for every kind of access.
    `care_team` is the patient's team when it was shown: a manager reviews their teams' rows
    through an index rather than a join to patients. Written by careplans.access."""

    # Each foreign key leads one of the composite indexes below, which serve its lookups too.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    patient = models.ForeignKey(
        "careplans.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    care_team = models.ForeignKey(
        "accounts.CareTeam", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    viewed_at = models.DateTimeField(auto_now_add=True)
    path = models.CharField(max_length=300)
    address = models.GenericIPAddressField(null=True, blank=True)
    reason = models.CharField(max_length=10, choices=AccessReason.choices, default=AccessReason.VIEW)
    outcome = models.CharField(max_length=10, choices=AccessOutcome.choices, default=AccessOutcome.SHOWN)
    patient_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="A bulk export: how many patients it held."
    )
    filter = models.CharField(max_length=500, blank=True, help_text="A bulk export: the filter it used.")

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-viewed_at", "-id"]
        # The audit page lists newest first, by one filter at a time: each index serves its filter
        # (with a date range) and the order, so a page reads its 50 rows whatever the table's size.
        indexes = [
            models.Index(fields=["viewed_at", "id"], name="accesslog_time_idx"),
            models.Index(fields=["patient", "viewed_at", "id"], name="accesslog_patient_idx"),
            models.Index(fields=["user", "viewed_at", "id"], name="accesslog_user_idx"),
            models.Index(fields=["reason", "viewed_at", "id"], name="accesslog_reason_idx"),
            models.Index(fields=["care_team", "viewed_at", "id"], name="accesslog_team_idx"),
            # Refusals are rare (one row in hundreds): a small index of their own.
            models.Index(
                fields=["viewed_at", "id"], condition=Q(outcome="refused"), name="accesslog_refused_idx"
            ),
        ]
        permissions = [
            ("review_access_log", "Can review who viewed or changed the patients of teams they manage"),
            ("review_practice_access_log", "Can review who viewed or changed any patient of the practice"),
        ]

    def __str__(self) -> str:
        return f"access #{self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The access log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The access log is append-only")


class EmergencyAccess(models.Model):
    """Break the glass: `user` opened `patient`, outside their scope, for `reason`, until
    `expires_at` (careplans.emergency.break_glass). The scope includes the patient until then.
    Kept for the audit: never edited or deleted in the app (history records the grant)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "careplans.Patient", on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    reason = models.TextField()
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "emergency access"
        verbose_name_plural = "emergency accesses"
        ordering = ["-granted_at"]
        permissions = [
            ("emergency_access", "Open a patient outside their teams in an emergency, with a reason"),
            ("hear_emergency_access", "Hear of every emergency access"),
        ]
        indexes = [
            # Scope (granted_patient_ids): a user's unexpired accesses, on every page.
            models.Index(fields=["user", "expires_at"], name="emergency_user_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("granted_at")), name="emergency_expires_after_grant"
            ),
        ]

    def __str__(self) -> str:
        return f"emergency access #{self.pk}"
