"""A long file is imported by the real Celery worker on Redis, with a progress bar the page polls
(PostgreSQL: the worker thread needs the test's rows committed and a database of its own
connections; skipped on SQLite like the other worker tests, failed under CI)."""

import time

import pytest
from django.urls import reverse

from careplans.models import Patient
from integrations.models import RunStatus
from tests.integrations.helpers import import_run_of
from tests.notifications.conftest import seeded  # noqa: F401  (a fixture)
from tests.notifications.test_celery_worker import worker  # noqa: F401  (a fixture)

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]

ROWS = 10_000


def test_ten_thousand_patients_import_as_a_job_that_reports_progress(
    postgresql,
    worker,  # noqa: F811  (the fixture imported above)
    client,
    manager,
    team,
):
    lines = ["MRN,Last name,First name,DOB,Phone"]
    lines += [
        f"W{n:06d},Last{n},First{n},{1 + n % 12}/{1 + n % 28}/19{40 + n % 60},555-{n % 10000:04d}"
        for n in range(ROWS)
    ]
    run = import_run_of(manager, None, kind="patients", content="\n".join(lines) + "\n")
    run.mapping = {
        "MRN": "mrn",
        "Last name": "last_name",
        "First name": "first_name",
        "DOB": "birth_date",
        "Phone": "phone",
    }
    run.team = team
    run.save()
    client.force_login(manager)

    assert client.post(reverse("import_start", args=[run.pk])).url == reverse("import_run", args=[run.pk])
    seen = set()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        response = client.get(reverse("import_progress", args=[run.pk]), headers={"HX-Request": "true"})
        seen.add(response.context["run"].percent)
        if response.has_header("HX-Refresh"):
            break
        time.sleep(0.05)

    run.refresh_from_db()
    assert (run.status, run.created, run.refused, run.total_rows) == (RunStatus.DONE, ROWS, 0, ROWS)
    assert Patient.objects.filter(care_team=team).count() == ROWS
    assert any(0 < percent < 100 for percent in seen), seen
    assert max(seen) == 100
    assert Patient.history.filter(history_change_reason=run.label).count() == ROWS
