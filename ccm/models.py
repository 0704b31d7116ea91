"""Chronic care management: a patient's consent, the minutes staff spend on them, the months
already billed, and the CMS checklist of a CCM care plan."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from careplans.models import scope_q
from ccm.months import next_month

# The program whose plans are CCM plans (demo/practice.py makes it; the admin can too).
CCM_PROGRAM_CODE = "ccm"


class ConsentMethod(models.TextChoices):
    VERBAL = "verbal", "Verbal"
    WRITTEN = "written", "Written"


class Consent(models.Model):
    """One period of consent: from `consented_on` until the day before `revoked_on` (open while
    not revoked). A patient has at most one open consent; periods never overlap (ccm.actions)."""

    patient = models.ForeignKey("careplans.Patient", on_delete=models.CASCADE, related_name="ccm_consents")
    consented_on = models.DateField()
    method = models.CharField(max_length=10, choices=ConsentMethod.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    revoked_on = models.DateField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-consented_on", "-pk"]
        permissions = [
            ("view_ccm", "Can see CCM consent, time, totals and the CCM worklist"),
            ("record_time", "Can record CCM time"),
            ("manage_consent", "Can record and revoke CCM consent"),
            ("export_billing", "Can export a month of CCM billing, which closes it"),
            ("qhp_time", "Their CCM time counts as physician/QHP time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=Q(revoked_on__isnull=True), name="ccm_one_open_consent"
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gte=F("consented_on")),
                name="ccm_consent_revoked_after_given",
            ),
        ]
        indexes = [
            # Worklist and totals: a patient's consent periods, joined to their time by date.
            models.Index(fields=["patient", "consented_on", "revoked_on"], name="ccm_consent_patient_idx"),
        ]

    def __str__(self) -> str:
        return f"CCM consent #{self.pk}"

    def covers(self, day) -> bool:
        return self.consented_on <= day and (self.revoked_on is None or day < self.revoked_on)


class StaffCategory(models.TextChoices):
    CLINICAL = "clinical", "Clinical staff"
    PHYSICIAN = "physician", "Physician/QHP"


class EntryKind(models.TextChoices):
    TIME = "time", "Time"
    ADJUSTMENT = "adjustment", "Adjustment"


class TimeEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_q(user, "patient__")
        return self.none() if scope is None else self.filter(scope)

    def in_month(self, month):
        return self.filter(performed_on__gte=month, performed_on__lt=next_month(month))

    def for_list(self):
        return self.select_related("author", "task").order_by("-performed_on", "-pk")


class TimeEntry(models.Model):
    """Minutes spent on a patient's care, on one of their tasks or on the patient. An adjustment
    corrects a month already billed (closed): signed minutes, with the reason, naming the entry
    it corrects when there is one."""

    patient = models.ForeignKey("careplans.Patient", on_delete=models.PROTECT, related_name="ccm_time")
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    performed_on = models.DateField()
    minutes = models.IntegerField()
    description = models.CharField("what was done", max_length=300)
    staff_category = models.CharField(max_length=10, choices=StaffCategory.choices)
    kind = models.CharField(max_length=12, choices=EntryKind.choices, default=EntryKind.TIME)
    adjusts = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="adjustments"
    )
    reason = models.CharField(max_length=300, blank=True)
    # Whether a consent covers `performed_on` (ccm.actions keeps it true to the consents): the
    # month's sums read it from the index instead of matching each entry to the consent periods.
    billable = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    objects = TimeEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "time entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="time", minutes__gte=1, minutes__lte=600)
                | Q(kind="adjustment", minutes__gte=-600, minutes__lte=600) & ~Q(minutes=0) & ~Q(reason=""),
                name="ccm_entry_minutes_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(staff_category__in=["clinical", "physician"]), name="ccm_entry_staff"
            ),
        ]
        indexes = [
            # Worklist, tiles and export: a month's minutes per patient (index-only sums).
            models.Index(
                fields=["performed_on", "patient", "billable", "staff_category", "minutes"],
                name="ccm_entry_month_idx",
            ),
            # Patient page: a patient's entries of a month.
            models.Index(fields=["patient", "performed_on"], name="ccm_entry_patient_idx"),
        ]

    def __str__(self) -> str:
        return f"CCM time #{self.pk}"


class MonthTotal(models.Model):
    """A patient's billable minutes of a month, per staff category: derived from their entries
    (ccm.totals.recount, run by every action that writes an entry or a consent), so that the
    worklist reads one narrow row per patient instead of summing a month of entries."""

    patient = models.ForeignKey(
        "careplans.Patient", on_delete=models.CASCADE, related_name="ccm_month_totals"
    )
    month = models.DateField()
    clinical = models.IntegerField(default=0)
    physician = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Also the worklist's join: a patient's row of the month.
            models.UniqueConstraint(fields=["patient", "month"], name="ccm_month_total_once"),
        ]
        indexes = [
            # Bench seeding and a month's export: every row of one month.
            models.Index(
                fields=["month", "patient", "clinical", "physician"], name="ccm_month_total_month_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"CCM month total #{self.pk}"


class RunningTimer(models.Model):
    """A timer started in a task's panel: the server keeps when it started, so a reload, another
    tab or another computer stops it at the right time. One per person: nobody is on two calls
    at once, so two running timers would bill the same minutes twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey("tasks.Task", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Also what settles two starts at once (ccm.actions.start_timer inserts, then reads).
            models.UniqueConstraint(fields=["user"], name="ccm_one_timer_per_user"),
        ]

    def __str__(self) -> str:
        return f"CCM timer #{self.pk}"


class ClosedMonth(models.Model):
    """A month whose billing was exported: its time is no longer edited, only adjusted."""

    month = models.DateField(unique=True)
    closed_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-month"]
        constraints = [models.CheckConstraint(condition=Q(month__day=1), name="ccm_closed_month_first_day")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class CopyMethod(models.TextChoices):
    PRINTED = "printed", "Printed copy in person"
    MAILED = "mailed", "Mailed"
    PORTAL = "portal", "Patient portal"
    EMAILED = "emailed", "Secure email"


class PlanChecklist(models.Model):
    """The CMS elements of a CCM care plan that a provider marked met (elements the plan's own
    content shows are met without a mark: ccm.checklist), whether the plan is complex, and the
    copy of the plan given to the patient."""

    care_plan = models.OneToOneField(
        "careplans.CarePlan", on_delete=models.CASCADE, related_name="ccm_checklist"
    )
    is_complex = models.BooleanField("complex CCM", default=False)
    problem_list = models.BooleanField(default=False)
    outcome_prognosis = models.BooleanField(default=False)
    measurable_goals = models.BooleanField(default=False)
    symptom_management = models.BooleanField(default=False)
    interventions_responsible = models.BooleanField(default=False)
    medication_management = models.BooleanField(default=False)
    community_services = models.BooleanField(default=False)
    coordination = models.BooleanField(default=False)
    periodic_review = models.BooleanField(default=False)
    copy_given_on = models.DateField(null=True, blank=True)
    copy_method = models.CharField(max_length=10, choices=CopyMethod.choices, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(copy_given_on__isnull=True, copy_method="")
                | (Q(copy_given_on__isnull=False) & ~Q(copy_method="")),
                name="ccm_copy_has_date_and_method",
            )
        ]

    def __str__(self) -> str:
        return f"CCM checklist #{self.pk}"
