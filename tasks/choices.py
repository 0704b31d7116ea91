"""The task vocabulary both sides share: care plan templates (careplans) name task kinds and
priorities, and careplans may import this module, and only this one, from tasks. It imports no
model, so it sits below both."""

from django.db import models


class TaskKind(models.TextChoices):
    OUTREACH_CALL = "outreach_call", "Outreach call"
    LAB = "lab", "Lab"
    SCREENING = "screening", "Screening"
    REFERRAL = "referral", "Referral"
    CHECK_IN = "check_in", "Check-in"
    SCHEDULING = "scheduling", "Scheduling"
    EDUCATION = "education", "Education"
    OTHER = "other", "Other"


# Front desk works these kinds only (and any task they own).
FRONT_DESK_KINDS = (TaskKind.SCHEDULING, TaskKind.OUTREACH_CALL)
# Work a provider answers for: providers hear of these kinds' escalations only, unless an
# escalation policy says otherwise.
CLINICAL_KINDS = (TaskKind.LAB, TaskKind.SCREENING, TaskKind.REFERRAL)


class Status(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING = "waiting", "Waiting"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.WAITING)
CLOSED_STATUSES = (Status.COMPLETED, Status.CANCELLED)


class Priority(models.IntegerChoices):
    LOW = 1, "Low"
    NORMAL = 2, "Normal"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


class WaitingReason(models.TextChoices):
    PATIENT_CALLBACK = "patient_callback", "Patient callback"
    LAB_RESULT = "lab_result", "Lab result"
    REFERRAL_RESPONSE = "referral_response", "Referral response"
    PRIOR_AUTH = "prior_auth", "Prior authorization"
    OTHER = "other", "Other"


class ContactOutcome(models.TextChoices):
    REACHED = "reached", "Reached"
    LEFT_MESSAGE = "left_message", "Left message"
    NO_ANSWER = "no_answer", "No answer"
    WRONG_NUMBER = "wrong_number", "Wrong number"


class ActivityKind(models.TextChoices):
    CREATED = "created", "Created"
    NOTE = "note", "Note"
    STATUS_CHANGE = "status_change", "Status change"
    REASSIGNMENT = "reassignment", "Reassignment"
    RESCHEDULE = "reschedule", "Rescheduled"  # due date moved later
    CHANGE = "change", "Changed"  # title, type, priority, or due date moved earlier
    CONTACT_ATTEMPT = "contact_attempt", "Contact attempt"
    ESCALATION = "escalation", "Escalation"
    NOTIFICATION = "notification", "Notification"
    IMPORT = "import", "Import"
