import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from simple_history.models import HistoricalRecords

from careplans.models import Program, RiskLevel
from tasks.models import Activity, Task


class Kind(models.TextChoices):
    OVERDUE = "overdue", "Overdue"
    ESCALATION = "escalation", "Escalation"
    WAITING_EXPIRED = "waiting_expired", "Wait ended"
    # Handoffs: a person's action puts a task in someone else's hands (notifications.handoffs).
    REASSIGNED = "reassigned", "Reassigned to you"
    REOPENED = "reopened", "Reopened for you"
    STEP_NEXT = "step_next", "Your step is next"
    # The scheduling feed (integrations.scheduling): the appointment an open task of yours is
    # dated from was cancelled; the task stays, its owner decides.
    APPOINTMENT_CANCELLED = "appt_cancelled", "Appointment cancelled"
    # To the Compliance role: someone opened a patient outside their teams (careplans.emergency).
    EMERGENCY_ACCESS = "emergency_access", "Emergency access"
    DIGEST = "digest", "Daily digest"


HANDOFF_KINDS = (Kind.REASSIGNED, Kind.REOPENED, Kind.STEP_NEXT)
TASK_KINDS = (Kind.OVERDUE, Kind.ESCALATION, Kind.WAITING_EXPIRED, *HANDOFF_KINDS, Kind.APPOINTMENT_CANCELLED)
INBOX_KINDS = (*TASK_KINDS, Kind.EMERGENCY_ACCESS)


class Delivery(models.TextChoices):
    DIGEST = "digest", "One digest email a day"
    IMMEDIATE = "immediate", "An email for each notification"
    OFF = "off", "No email: the inbox only"


DEFAULT_DELIVERY = Delivery.DIGEST
DEFAULT_DIGEST_HOUR = 7


class NotificationQuerySet(models.QuerySet):
    def for_inbox(self, user):
        """A user's notices, newest first, with their task (its patient and owner) and, for a
        handoff, who made it; `task_visible` says whether the user may still see that task (a
        notice outlives a move to another team), so the page shows its title, patient, owner and
        the handoff's reason only then."""
        return (
            self.filter(recipient=user, kind__in=INBOX_KINDS)
            .select_related(
                "task__patient",
                "task__owner",
                "activity__actor",
                "activity__task",
                "emergency_access__user",
                "emergency_access__patient",
            )
            .annotate(task_visible=Exists(Task.objects.visible_to(user).filter(pk=OuterRef("task_id"))))
            .order_by("-created_at", "-pk")
        )

    def groups_for(self, user):
        """The inbox's lines: one per kind and practice-local day received, newest day first,
        with its count, its unread count and, for a line of one, that notice's id. One
        aggregate over the user's notices (their inbox index)."""
        return (
            self.filter(recipient=user, kind__in=INBOX_KINDS)
            .annotate(received=TruncDate("created_at"))
            .values("kind", "received")
            .annotate(
                count=Count("pk"),
                unread=Count("pk", filter=Q(read_at__isnull=True)),
                latest=Max("created_at"),
                last_id=Max("pk"),
            )
            .order_by("-received", "-latest")
        )

    def received_on(self, day: datetime.date):
        """Notices received on the practice-local `day`: a range of created_at, which the
        inbox index serves."""

        def midnight(d):
            return timezone.make_aware(datetime.datetime.combine(d, datetime.time.min))

        return self.filter(
            created_at__gte=midnight(day), created_at__lt=midnight(day + datetime.timedelta(days=1))
        )

    def unread_for(self, user):
        return self.filter(recipient=user, kind__in=INBOX_KINDS, read_at__isnull=True)


class Notification(models.Model):
    """One notice to one person. Its key (recipient, task, kind, level, day) is unique, and jobs
    insert the row before anything is sent: a second run, a retry or a second beat finds the key
    taken and sends nothing."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    # Indexed by the unique key, which leads with the task.
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # A handoff's timeline row: who handed the task over, and why. Read through the notice only.
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # An emergency access notice's grant: who opened which patient, why, until when.
    emergency_access = models.ForeignKey(
        "careplans.EmergencyAccess",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # indexed by its unique key, which leads with it
    )
    level = models.PositiveSmallIntegerField(default=0, help_text="Escalation level; 0 for other kinds.")
    day = models.DateField(
        help_text="The practice-local date the notice is about: the missed due date (overdue, "
        "escalation), the date the wait ended (wait ended), the day of the handoff (reassigned, "
        "reopened, step next), the digest's date."
    )
    send_email = models.BooleanField(
        default=False, help_text="Decided from the recipient's preference when the notice was made."
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when a worker starts the SMTP send, before emailed_at: a notice with this and no
    # emailed_at had its send cut off, and is never emailed again (at most once).
    email_started_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        constraints = [
            # The key (recipient, task, kind, level, day). Task first: the jobs' "announced
            # already?" probe starts from a task, and a task has few notices.
            models.UniqueConstraint(
                fields=["task", "recipient", "kind", "level", "day"],
                condition=Q(task__isnull=False),
                name="notification_once_per_key",
            ),
            # Digests have no task, and NULLs never collide in a unique index.
            models.UniqueConstraint(
                fields=["recipient", "kind", "level", "day"],
                condition=Q(task__isnull=True, emergency_access__isnull=True),
                name="notification_once_per_taskless_key",
            ),
            # An emergency access is told once to each member of the Compliance role.
            models.UniqueConstraint(
                fields=["emergency_access", "recipient"],
                condition=Q(emergency_access__isnull=False),
                name="notification_once_per_emergency_access",
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="notification_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind=Kind.DIGEST, task__isnull=True, emergency_access__isnull=True)
                | Q(kind=Kind.EMERGENCY_ACCESS, task__isnull=True, emergency_access__isnull=False)
                | (
                    ~Q(kind__in=(Kind.DIGEST, Kind.EMERGENCY_ACCESS))
                    & Q(task__isnull=False, emergency_access__isnull=True)
                ),
                name="notification_task_unless_digest",
            ),
        ]
        indexes = [
            # Inbox: a user's notices, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            # Header badge: a user's unread count, by kind, from the index alone.
            models.Index(
                fields=["recipient", "kind"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_kind_idx",
            ),
            # Email relay: notices whose email has not gone yet.
            models.Index(
                fields=["created_at"],
                condition=Q(send_email=True, emailed_at__isnull=True),
                name="notification_unsent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} notice #{self.pk}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def headline(self) -> str:
        """What happened, in words that name no patient: safe for email subjects."""
        if self.kind == Kind.OVERDUE:
            return "A task you own is overdue"
        if self.kind == Kind.ESCALATION:
            return f"Escalation (level {self.level}): a task of your team is overdue"
        if self.kind == Kind.WAITING_EXPIRED:
            return "A wait you set has ended"
        if self.kind == Kind.REASSIGNED:
            return "A task was reassigned to you"
        if self.kind == Kind.REOPENED:
            return "A task of yours was reopened"
        if self.kind == Kind.STEP_NEXT:
            return "Your step is next: the task yours waits for was completed"
        if self.kind == Kind.APPOINTMENT_CANCELLED:
            return "An appointment a task of yours is dated from was cancelled"
        if self.kind == Kind.EMERGENCY_ACCESS:
            return "Emergency access: a colleague opened a patient's record outside their teams"
        return "Your daily Followthrough digest"


class NotificationPreference(models.Model):
    """How a person hears about their notices. No row means the defaults: a digest at 7:00."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=DEFAULT_DELIVERY)
    digest_hour = models.PositiveSmallIntegerField(
        default=DEFAULT_DIGEST_HOUR,
        validators=[MaxValueValidator(23)],
        help_text="Hour of the day, in the practice's time zone, when the digest goes out.",
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(delivery__in=Delivery.values), name="preference_delivery_valid"
            ),
            models.CheckConstraint(condition=Q(digest_hour__lte=23), name="preference_digest_hour_valid"),
        ]

    def __str__(self) -> str:
        return f"notification preference of user #{self.user_id}"

    @classmethod
    def for_user(cls, user) -> "NotificationPreference":
        """The user's saved preference, or an unsaved one holding the defaults."""
        try:
            return cls.objects.get(user=user)
        except cls.DoesNotExist:
            return cls(user=user)


class EscalationPolicy(models.Model):
    """When overdue work goes up the line. For a task, the most specific row wins: its program
    and its patient's risk level, then its program, then the risk level, then the row naming
    neither (the practice default). A task matched by no row never escalates."""

    program = models.ForeignKey(
        Program,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty: every program, and tasks outside any care plan.",
    )
    risk_level = models.CharField(
        max_length=10, choices=RiskLevel.choices, blank=True, help_text="Empty: every risk level."
    )
    first_level_after_days = models.PositiveSmallIntegerField(
        help_text="Once a task has been overdue for more than this many days, the care team's "
        "managers are told (0: as soon as it is overdue)."
    )
    second_level_after_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Once overdue for more than this many days, the second level is told. Empty: no second level.",
    )
    # A role (group) by reference, never by name: renaming a role in the admin changes nothing.
    second_level_group = models.ForeignKey(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="second level role",
        help_text="The second level: members of the task's care team who hold this role.",
    )
    providers_hear_every_kind = models.BooleanField(
        default=False,
        verbose_name="providers hear of every kind of work",
        help_text="Off: providers (who hold the clinical right) are told only of overdue labs, "
        "screenings and referrals; when the second level is a providers' role, the second level "
        "of calls, scheduling and other work goes to the care team's managers instead.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "escalation policies"
        ordering = ["program__name", "risk_level"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "risk_level"],
                condition=Q(program__isnull=False),
                name="escalation_one_per_program_risk",
            ),
            models.UniqueConstraint(
                fields=["risk_level"], condition=Q(program__isnull=True), name="escalation_one_per_risk"
            ),
            models.CheckConstraint(
                condition=Q(second_level_after_days__isnull=True)
                | Q(second_level_after_days__gt=models.F("first_level_after_days")),
                name="escalation_second_level_later",
            ),
            models.CheckConstraint(
                condition=Q(second_level_after_days__isnull=True) | Q(second_level_group__isnull=False),
                name="escalation_second_level_has_role",
            ),
        ]

    def __str__(self) -> str:
        program = self.program.name if self.program_id else "Any program"
        risk = self.get_risk_level_display() if self.risk_level else "any risk"
        return f"{program}, {risk}"
