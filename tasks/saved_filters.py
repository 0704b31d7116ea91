"""A user's named team queue filters: saving one and deleting it. The filters themselves are
the queue's (tasks.filters); a saved filter only remembers which were set."""

from django.db import IntegrityError, transaction

from accounts.errors import NotAllowed, RuleViolation
from tasks.models import SavedFilter


def _check_may_use_queue(user) -> None:
    if not user.has_perm("tasks.view_task"):
        raise NotAllowed("Only people who work the queue save its filters.")


def save_filter(user, *, name: str, query: str) -> SavedFilter:
    """`query` as SaveFilterForm cleaned it: only filters the queue reads, each valid."""
    _check_may_use_queue(user)
    taken = RuleViolation(
        f"You already have a saved filter named “{name}”. Choose another name, or delete that one first.",
        rule="saved-filter-name-taken",
    )
    if SavedFilter.objects.filter(user=user, name__iexact=name).exists():
        raise taken
    try:
        with transaction.atomic():
            return SavedFilter.objects.create(user=user, name=name, query=query)
    except IntegrityError:  # the same name saved a moment ago (a double click)
        raise taken from None


def delete_filter(saved: SavedFilter, *, by) -> None:
    _check_may_use_queue(by)
    if saved.user_id != by.pk:
        raise NotAllowed("A saved filter is its owner's alone.")
    saved.delete()
