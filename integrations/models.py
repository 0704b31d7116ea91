"""A practice's data in and out: spreadsheet imports, FHIR R4, the scheduling feed, calendar feeds."""

import hashlib
import secrets

from django.conf import settings
from django.db import models


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

    class Meta:
        permissions = [
            # The import right (FHIR upload page and, in the imports helper's branch, the
            # spreadsheet import): declared here only so this branch's tests can grant it. At merge
            # it is the one declared with the import models; drop this line and its migration.
            ("import_rows", "Can import patients, appointments and care plans"),
        ]

    def __str__(self) -> str:
        return f"calendar feed #{self.pk}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)
