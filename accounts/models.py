from django.contrib.auth.models import AbstractUser
from django.db import models
from guardian.models import UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from accounts.roles import Role


class User(AbstractUser):
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def has_role(self, role: Role) -> bool:
        return any(group.name == role for group in self.groups.all())


class Location(models.Model):
    name = models.CharField(max_length=120, unique=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CareTeam(models.Model):
    """A team and its queue. Membership is a guardian object permission on the team:
    `work_in_careteam` for members, `manage_careteam` for managers (see CareTeamUserObjectPermission)."""

    name = models.CharField(max_length=120, unique=True)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="care_teams")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        permissions = [
            ("work_in_careteam", "Works the team's patients and tasks"),
            ("manage_careteam", "Manages the team: dashboards, reassignment, reopening"),
        ]

    def __str__(self) -> str:
        return self.name


class CareTeamUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct foreign-key permission row: one per (user, team, right). This *is* team
    membership; its history is the membership audit trail."""

    content_object = models.ForeignKey(CareTeam, on_delete=models.CASCADE, related_name="user_permissions")
    history = HistoricalRecords()

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "team membership"
        verbose_name_plural = "team memberships"
        indexes = [
            # visible_to(user): "which teams does this user hold a right on?"
            models.Index(fields=["user", "permission"], name="careteam_uperm_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.permission.codename} · {self.content_object}"


class PatientAccessLog(models.Model):
    """Append-only: one row per view of a patient's record."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("careplans.Patient", on_delete=models.PROTECT, related_name="+")
    viewed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    path = models.CharField(max_length=300)

    class Meta:
        ordering = ["-viewed_at"]
        indexes = [
            # Admin: "who looked at this patient, newest first".
            models.Index(fields=["patient", "-viewed_at"], name="accesslog_patient_idx"),
        ]

    def __str__(self) -> str:
        return f"access #{self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The access log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The access log is append-only")
