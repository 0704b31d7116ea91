from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from guardian.models import UserObjectPermissionBase
from simple_history.models import HistoricalRecords


class User(AbstractUser):
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


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


class TeamRight(models.TextChoices):
    """The two team rights, by their permission's codename. Either one is working in the team."""

    MEMBER = "work_in_careteam", "Member"
    MANAGER = "manage_careteam", "Manager"


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
        return f"{self.user}: {self.in_words}"

    @property
    def in_words(self) -> str:
        return team_right_in_words(self.permission.codename, self.content_object)


def team_right_in_words(codename: str, team) -> str:
    """A team right as the admin and its history name it: "Member of Riverside Team A"."""
    right = TeamRight(codename).label if codename in TeamRight.values else codename
    return f"{right} of {team}"


class UserSession(AbstractBaseSession):
    """A session row that knows whose it is (Django's own does not without decoding every row):
    deactivating a user deletes theirs in one indexed query (accounts/sessions.py)."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=True
    )

    @classmethod
    def get_session_store_class(cls):
        from accounts.sessions import SessionStore

        return SessionStore
