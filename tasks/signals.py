"""What the tasks app announces to the apps above it, which it cannot import.

`handed_over`: timeline rows of reassignments made set-based (a transfer moves many tasks in
one statement, so no Activity is saved one by one), sent inside the action's transaction with
their ids. The notifications app tells each new owner (notifications.handoffs); a reassignment
saved alone is seen there through its own save.
"""

from django.dispatch import Signal

handed_over = Signal()  # sender: Activity; activity_ids: list[int]
