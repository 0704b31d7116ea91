"""Password rules beyond Django's own (settings.AUTH_PASSWORD_VALIDATORS)."""

import re

from django.core.exceptions import ValidationError

# Shorter parts ("Al", "Li") would refuse half the dictionary; they guess nothing.
_SHORTEST_PART = 3


class NoNameInPasswordValidator:
    """Refuses a password that holds the user's username, first name or last name (or a word of
    one of them), in any case: "casey.2026.spring" for Casey Coleman. Django's similarity check
    compares the whole password with each name and lets these through."""

    def validate(self, password, user=None):
        if user is None:
            return
        lowered = password.lower()
        for field, label in (("username", "username"), ("first_name", "name"), ("last_name", "name")):
            for part in re.split(r"\W+", (getattr(user, field, "") or "").lower()):
                if len(part) >= _SHORTEST_PART and part in lowered:
                    raise ValidationError(
                        f"The password must not contain your {label}.", code="password_contains_name"
                    )

    def get_help_text(self):
        return "Your password must not contain your username or your name."
