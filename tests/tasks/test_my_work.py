import pytest
from django.urls import reverse

from tasks.choices import Status
from tests.factories import TaskFactory, in_days
from tests.helpers import count_queries


def _sections(response):
    return {s.key: [t.title for t in s.rows] for s in response.context["sections"]}


def test_my_work_sorts_own_open_tasks_into_sections(client, coordinator, colleague, patient):
    TaskFactory(patient=patient, owner=coordinator, title="late", due_on=in_days(-2))
    TaskFactory(patient=patient, owner=coordinator, title="today", due_on=in_days(0))
    TaskFactory(patient=patient, owner=coordinator, title="soon", due_on=in_days(3))
    TaskFactory(patient=patient, owner=coordinator, title="parked", due_on=in_days(-1), status=Status.WAITING)
    TaskFactory(patient=patient, owner=coordinator, title="done", due_on=in_days(-1), status=Status.COMPLETED)
    TaskFactory(patient=patient, owner=colleague, title="not mine", due_on=in_days(0))
    client.force_login(coordinator)

    response = client.get(reverse("my_work"))

    assert _sections(response) == {
        "overdue": ["late"],
        "due_today": ["today"],
        "upcoming": ["soon"],
        "waiting": ["parked"],
    }
    assert response.context["work"].next_task.title == "late"


def test_htmx_refresh_renders_only_the_sections(client, coordinator, task):
    client.force_login(coordinator)

    response = client.get(reverse("my_work"), headers={"HX-Request": "true"})

    assert response.templates[0].name == "tasks/_my_work_sections.html"
    assert "<html" not in response.text


def _add(count, *, patient, owner):
    for i in range(count):
        TaskFactory(
            patient=patient,
            owner=owner,
            due_on=in_days(i % 9 - 3),
            status=Status.WAITING if i % 4 == 0 else Status.NEW,
        )


# The page, and the sections alone as htmx refreshes them after an action.
PAGE_AND_PARTIAL = pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "partial"])


@PAGE_AND_PARTIAL
def test_my_work_costs_the_same_few_queries_with_3_tasks_and_with_60(client, coordinator, patient, headers):
    client.force_login(coordinator)
    _add(3, patient=patient, owner=coordinator)
    client.get(reverse("my_work"))
    few = count_queries(client, reverse("my_work"), **headers)

    _add(57, patient=patient, owner=coordinator)

    assert count_queries(client, reverse("my_work"), **headers) == few
    assert few < 12
