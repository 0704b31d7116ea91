"""How an action refuses: the vocabulary every app's actions share (accounts is the lowest app,
so careplans, tasks and the apps above them can all raise and catch these)."""

from django.core.exceptions import PermissionDenied


class ActionError(Exception):
    """A refused action. `rule` names the rule; `message` says it to a person."""

    rule = "refused"

    def __init__(self, message: str, *, rule: str | None = None):
        super().__init__(message)
        self.message = message
        if rule:
            self.rule = rule


class RuleViolation(ActionError):
    """The change breaks a rule of the domain (a status table, a required reason)."""


class NotAllowed(ActionError, PermissionDenied):
    """The actor lacks the right: a 403 wherever it reaches a view."""

    rule = "not-allowed"
