import operator
from functools import reduce

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from guardian.models import UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from accounts.scope import set_team_rights, team_id_list, team_ids_for
from careplans.access_log import (  # noqa: F401  (models of this app, kept in their own module)
    AccessOutcome,
    AccessReason,
    EmergencyAccess,
    PatientAccessLog,
)
from tasks.choices import FRONT_DESK_KINDS, Priority, TaskKind


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Program(models.Model):
    """A service line: chronic care management, post-discharge, diabetes, referrals..."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


EMERGENCY = "emergency"  # the scope row of an unexpired emergency access (EmergencyAccess)


def granted_patient_ids(user) -> list[int]:
    """Patients granted to `user` one by one (rare), and those the user opened in an emergency
    and whose access has not expired. Read once per user object, in one query with the user's
    team rights (cached as accounts.scope.team_rights caches them): every page reads them all."""
    cached = getattr(user, "_followthrough_patient_grants", None)
    if cached is None:
        teams = team_ids_for(user).values_list("permission__codename", "content_object_id")
        grants = PatientUserObjectPermission.objects.filter(
            user=user, permission__codename="view_patient"
        ).values_list("permission__codename", "content_object_id")
        emergencies = (
            EmergencyAccess.objects.filter(user=user, expires_at__gt=timezone.now())
            .order_by()
            .values_list(Value(EMERGENCY, output_field=models.CharField()), "patient_id")
        )
        rows = list(teams.union(grants, emergencies, all=True))
        set_team_rights(user, [row for row in rows if row[0] not in ("view_patient", EMERGENCY)])
        cached = sorted({pk for codename, pk in rows if codename in ("view_patient", EMERGENCY)})
        user._followthrough_patient_grants = cached
        user._followthrough_emergency_ids = {pk for codename, pk in rows if codename == EMERGENCY}
    return cached


def scope_q(user, prefix: str = "") -> Q | None:
    """The patient scope rule as a condition on `prefix` + patient fields ("patient__" from a
    task or plan: a join PostgreSQL drives from the smaller side, where `patient__in=<subquery>`
    made it loop over every patient of the team). None: the user sees no patient at all.

    Team and grant ids are literal lists (accounts.scope.team_id_list), and grants are read
    first so the common query has no OR."""
    if not user.is_authenticated or not user.is_active:
        return None
    granted = granted_patient_ids(user)
    teams = team_id_list(user)
    scopes = []
    if teams:
        scopes.append(Q(**{f"{prefix}care_team_id__in": teams, f"{prefix}is_restricted": False}))
    if granted:
        scopes.append(Q(**{f"{prefix}pk__in": granted}))
    return reduce(operator.or_, scopes) if scopes else None


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The only object-scope rule for patients: patients of the user's care teams, unless
        restricted, plus patients granted to the user one by one. Deny by default."""
        scope = scope_q(user)
        return self.none() if scope is None else self.filter(scope)

    def for_list(self):
        return self.select_related("care_team", "location", "primary_provider").order_by(
            "last_name", "first_name", "pk"
        )

    def for_search_dropdown(self):
        """The header search's matches: what tells two patients of one name apart, nothing to join."""
        return self.only("first_name", "last_name", "mrn", "birth_date", "phone", "care_team").order_by(
            "last_name", "first_name", "pk"
        )


class Patient(models.Model):
    """Minimum necessary: identifiers, demographics and scheduling context. No clinical narrative."""

    mrn = models.CharField("MRN", max_length=40)
    ehr_id = models.CharField("EHR id", max_length=80, blank=True)
    ehr_url = models.URLField("EHR link", blank=True)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    birth_date = models.DateField()
    phone = models.CharField(max_length=30, blank=True)
    primary_provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    care_team = models.ForeignKey("accounts.CareTeam", on_delete=models.PROTECT, related_name="patients")
    location = models.ForeignKey("accounts.Location", on_delete=models.PROTECT, related_name="patients")
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW)
    is_restricted = models.BooleanField(
        default=False, help_text="Only users granted this patient one by one may see it."
    )
    # From the EHR or a registry import: a deceased patient is given no new plan or outreach.
    deceased_on = models.DateField("date of death", null=True, blank=True)
    programs = models.ManyToManyField(Program, through="Enrollment", related_name="patients")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [models.UniqueConstraint(fields=["mrn"], name="patient_mrn_unique")]
        indexes = [
            # Patient list: a team's patients by name.
            models.Index(fields=["care_team", "last_name", "first_name"], name="patient_team_name_idx"),
            # MRN search, exact in any case (admin search, the queue's q=): UPPER(mrn) = UPPER(term).
            models.Index(Upper("mrn"), name="patient_mrn_upper_idx"),
            # Patient search by date of birth (careplans.search). The search's name, MRN and phone
            # parts use trigram indexes, PostgreSQL only: created by migration 0011, not declared
            # here, where SQLite would have to build them too.
            models.Index(fields=["birth_date"], name="patient_birth_date_idx"),
            # Scope (scope_q): the ids of a team's unrestricted patients, read from the index alone
            # when queues and dashboards join their tasks to them.
            models.Index(
                fields=["care_team", "id"], condition=Q(is_restricted=False), name="patient_team_visible_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    def get_absolute_url(self) -> str:
        return reverse("patient_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class PatientUserObjectPermission(UserObjectPermissionBase):
    """Per-patient grants: a consulting provider outside the team, or access to a restricted patient."""

    content_object = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="user_grants")
    history = HistoricalRecords()

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "patient grant"


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


class Enrollment(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="enrollments")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="enrollments")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "program"],
                condition=Q(status="active"),
                name="enrollment_one_active_per_program",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="enrollment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} enrollment #{self.pk}"


class CarePlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    COMPLETED = "completed", "Completed"
    REVOKED = "revoked", "Revoked"


# A plan in one of these has ended: it has an end date, and its open tasks no reason to go on.
ENDED_PLAN_STATUSES = (CarePlanStatus.COMPLETED, CarePlanStatus.REVOKED)


class CarePlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_q(user, "patient__")
        return self.none() if scope is None else self.filter(scope)

    def for_patient_page(self):
        return (
            self.select_related("program", "author").prefetch_related("goals").order_by("-starts_on", "-pk")
        )


class CarePlan(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="care_plans")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="care_plans")
    template = models.ForeignKey(
        "CarePlanTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_plans",
    )
    status = models.CharField(max_length=12, choices=CarePlanStatus.choices, default=CarePlanStatus.DRAFT)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    interventions = models.TextField(blank=True, help_text="Clinical: providers edit, front desk never sees.")
    # One key per intake form: a double click or a retry finds the plan instead of making a second.
    intake_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = CarePlanQuerySet.as_manager()

    class Meta:
        permissions = [
            ("view_clinical", "Can see goals and interventions"),
            ("edit_clinical", "Can edit goals and interventions"),
            ("apply_template", "Can apply a care plan template"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="careplan_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["patient", "status"], name="careplan_patient_status_idx")]

    def __str__(self) -> str:
        return f"{self.program} plan from {self.starts_on:%m/%d/%Y}"


class GoalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    ACHIEVED = "achieved", "Achieved"
    NOT_ACHIEVED = "not_achieved", "Not achieved"
    CANCELLED = "cancelled", "Cancelled"


class Goal(models.Model):
    care_plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="goals")
    description = models.CharField(max_length=300)
    target = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=14, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"goal #{self.pk}"


class CarePlanTemplate(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="templates")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["program__name", "name"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="template_name_per_program")]

    def __str__(self) -> str:
        return self.name


class DueAnchor(models.TextChoices):
    PLAN_START = "plan_start", "Plan start"
    NEXT_APPOINTMENT = "next_appointment", "Next appointment"
    # Not made when the template is applied: made when an appointment of the patient is marked a
    # no-show (integrations.scheduling), dated from the missed day.
    MISSED_APPOINTMENT = "missed_appointment", "A missed appointment"


class DueUnit(models.TextChoices):
    """What a template step's due offset counts. Business days skip the days the practice does
    not work (settings.PRACTICE_WORKING_DAYS) and its holidays, so they land on a working day;
    calendar days land where they fall, a Sunday included."""

    DAYS = "days", "Calendar days"
    BUSINESS_DAYS = "business_days", "Business days"


class TemplateTask(models.Model):
    template = models.ForeignKey(CarePlanTemplate, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=TaskKind.choices, default=TaskKind.OTHER)
    # A role (group) by reference, never by name: renaming a role in the admin changes nothing.
    assignee_group = models.ForeignKey(
        "auth.Group",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="owner's role",
        help_text="A member of the patient's care team in this role owns the task (the one with "
        "the least open work; the patient's primary provider first if they hold the role).",
    )
    due_anchor = models.CharField(max_length=20, choices=DueAnchor.choices, default=DueAnchor.PLAN_START)
    due_offset_days = models.IntegerField(default=0)
    due_offset_unit = models.CharField(
        max_length=16, choices=DueUnit.choices, default=DueUnit.DAYS, verbose_name="counted in"
    )
    recurrence_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Repeat every N days."
    )
    recurrence_count = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="How many occurrences in all; empty with recurrence = until plan end.",
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    depends_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="dependents"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["template", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recurrence_count__isnull=True) | Q(recurrence_days__isnull=False),
                name="templatetask_count_needs_interval",
            ),
            models.CheckConstraint(
                condition=Q(recurrence_days__isnull=True) | Q(recurrence_days__gte=1),
                name="templatetask_interval_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        """A step for a role without the clinical right (front desk) must be scheduling or an
        outreach call: intake could not give anyone of that role other work (tasks.rights)."""
        super().clean()
        if self.assignee_group_id and self.kind not in FRONT_DESK_KINDS:
            clinical = self.assignee_group.permissions.filter(
                content_type__app_label="careplans", codename="view_clinical"
            )
            if not clinical.exists():
                raise ValidationError(
                    {
                        "kind": f"{self.assignee_group} works scheduling and outreach calls only: "
                        "choose one of those types, or another role."
                    }
                )

    @property
    def due_rule_text(self) -> str:
        """The relative due rule as a person says it: "2 business days after plan start", "on
        the next appointment", "14 days after plan start"."""
        anchor = {
            DueAnchor.PLAN_START: "plan start",
            DueAnchor.NEXT_APPOINTMENT: "the next appointment",
            DueAnchor.MISSED_APPOINTMENT: "a missed appointment",
        }.get(self.due_anchor, "plan start")
        business = self.due_offset_unit == DueUnit.BUSINESS_DAYS
        n = abs(self.due_offset_days)
        if n == 0:
            return f"on {anchor}" + (", or the next business day" if business else "")
        unit = ("business day" if business else "day") + ("" if n == 1 else "s")
        return f"{n} {unit} {'after' if self.due_offset_days > 0 else 'before'} {anchor}"


class Holiday(models.Model):
    """A day the practice is closed: business-day offsets skip it (careplans.dates)."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=80)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%m/%d/%Y})"


class AppointmentStatus(models.TextChoices):
    """The scheduling system's word for where the appointment stands (FHIR Appointment.status,
    reduced to what the tracker acts on: integrations.scheduling)."""

    BOOKED = "booked", "Booked"
    ARRIVED = "arrived", "Arrived"
    FULFILLED = "fulfilled", "Fulfilled"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "noshow", "No-show"


# An appointment that will not happen (or did not): it anchors no due date.
UNKEPT_APPOINTMENT = (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)


class Appointment(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="appointments")
    starts_at = models.DateTimeField()
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=80, blank=True)
    source = models.CharField(max_length=40, default="manual")
    external_id = models.CharField(max_length=80, blank=True)
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="appointment_external_id_unique",
            )
        ]
        indexes = [
            # Patient page and intake: "this patient's next appointment".
            models.Index(fields=["patient", "starts_at"], name="appointment_patient_start_idx"),
        ]

    def __str__(self) -> str:
        return f"appointment #{self.pk}"
