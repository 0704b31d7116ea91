"""Jobs published after commit, for the actions (tasks) and the notice emails (notifications)."""

from django.db import transaction


def publish_after_commit(job, *args) -> None:
    """`job.delay(*args)` once the transaction commits. Robust: a broker outage (Redis down) must
    not turn a saved action into an error page; the relay or the hourly job catches up. The
    callback is a named function, not a functools.partial: Django names the callback when it
    logs a robust one's failure, and a partial has no __qualname__, so the log line itself
    raised, after commit: a 500 for an action that was saved (tests/faults)."""

    def publish():
        job.delay(*args)

    transaction.on_commit(publish, robust=True)
