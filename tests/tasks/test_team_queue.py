import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from careplans.paging import bounded_page
from tasks.choices import Status, TaskKind
from tasks.models import SavedFilter, Task
from tests.factories import PatientFactory, TaskFactory, in_days
from tests.helpers import count_queries, inline_code


@pytest.fixture
def queue(patient, team, coordinator, colleague, other_task):
    grace = PatientFactory(care_team=team, first_name="Grace", last_name="Hopper", mrn="Q-1")
    return {
        "call": TaskFactory(patient=patient, owner=coordinator, title="Call", due_on=in_days(-1)),
        "lab": TaskFactory(patient=grace, owner=colleague, title="=HYPERLINK(1)", kind=TaskKind.LAB),
        "done": TaskFactory(patient=patient, owner=coordinator, title="Done", status=Status.COMPLETED),
        "elsewhere": other_task,
    }


def _rows(response):
    return [t.title for t in response.context["page"]]


def test_queue_shows_the_teams_open_work_only(client, coordinator, queue):
    client.force_login(coordinator)

    assert _rows(client.get(reverse("team_queue"))) == ["Call", "=HYPERLINK(1)"]


def test_front_desk_queue_leaves_out_clinical_work(client, front_desk, queue):
    client.force_login(front_desk)

    assert _rows(client.get(reverse("team_queue"))) == ["Call"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "hopper"}, ["=HYPERLINK(1)"]),
        ({"q": "Q-1"}, ["=HYPERLINK(1)"]),
        ({"due": "overdue"}, ["Call"]),
        ({"kind": "lab"}, ["=HYPERLINK(1)"]),
        ({"status": "completed"}, ["Done"]),
    ],
)
def test_filters_narrow_the_visible_queue(client, coordinator, queue, params, expected):
    client.force_login(coordinator)

    assert _rows(client.get(reverse("team_queue"), params)) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("status=new&status=completed", ["Call", "=HYPERLINK(1)", "Done"]),
        ("kind=lab&kind=outreach_call", ["Call", "=HYPERLINK(1)"]),
        ("kind=lab&kind=referral", ["=HYPERLINK(1)"]),
        ("owner={coordinator}", ["Call"]),
        ("owner={coordinator}&owner={colleague}", ["Call", "=HYPERLINK(1)"]),
        ("owner={colleague}&status=completed&status=new", ["=HYPERLINK(1)"]),
    ],
)
def test_status_type_and_owner_each_take_several_values(
    client, coordinator, colleague, queue, params, expected
):
    client.force_login(coordinator)
    query = params.format(coordinator=coordinator.pk, colleague=colleague.pk)

    response = client.get(f"{reverse('team_queue')}?{query}")

    assert not response.context["filter"].form.errors
    assert _rows(response) == expected


def test_status_type_and_owner_are_checkboxes_on_the_first_line(client, coordinator, colleague, queue):
    client.force_login(coordinator)

    html = client.get(reverse("team_queue"), {"status": "new", "owner": colleague.pk}).content.decode()

    line = html.split('class="filter-line"')[1].split('class="more-filters"')[0]
    for name in ("status", "kind", "owner"):
        assert f'type="checkbox" name="{name}"' in line
    assert 'name="priority"' not in line
    assert '<select name="status"' not in html and " multiple" not in html  # no Ctrl-click list
    assert re.search(rf'name="owner" value="{colleague.pk}" id="id_owner_\d+" checked>', line)
    assert '<span class="chosen">New</span>' in line
    assert f'<span class="chosen">{colleague}</span>' in line
    assert f"{coordinator} (you)" in line


def _more_filters(html: str) -> str:
    return html.split('<details class="more-filters"')[1].split(">")[0]


@pytest.mark.parametrize(
    ("params", "folded_open", "drilldown_open"),
    [
        ({}, False, False),
        ({"status": "new", "kind": "lab", "q": "hop", "sort": "-priority", "page": "1"}, False, False),
        ({"priority": "", "due_on_after": "", "scope": "", "reassigned": "unknown"}, False, False),  # Apply
        ({"priority": "3"}, True, False),
        ({"due_on_after": "2026-01-01"}, True, False),
        ({"due": "overdue"}, True, False),
        ({"scope": "mine"}, True, True),
        ({"reassigned": "true"}, True, True),
        ({"reassigned": "false"}, True, True),
        ({"risk": "nonsense"}, True, False),  # its error shows
    ],
)
def test_more_filters_are_open_when_one_of_them_is_set(
    client, coordinator, queue, params, folded_open, drilldown_open
):
    client.force_login(coordinator)

    html = client.get(reverse("team_queue"), params).content.decode()

    assert (" open" in _more_filters(html)) is folded_open
    drilldown = html.split('<details class="drilldown"')[1].split(">")[0]
    assert (" open" in drilldown) is drilldown_open


def test_the_queue_page_has_no_inline_code(client, manager, coordinator, queue):
    SavedFilter.objects.create(user=manager, name="Overdue calls", query="due=overdue&kind=outreach_call")
    client.force_login(manager)

    html = client.get(reverse("team_queue"), {"due": "overdue", "status": "new"}).content.decode()

    assert "Overdue calls" in html
    assert inline_code(html) == []


def test_filter_by_another_teams_owner_shows_none_of_their_tasks(client, coordinator, queue, outsider):
    client.force_login(coordinator)

    response = client.get(reverse("team_queue"), {"owner": outsider.pk})

    assert queue["elsewhere"].title not in _rows(response)


def test_htmx_refresh_renders_only_the_table(client, coordinator, queue):
    client.force_login(coordinator)

    response = client.get(reverse("team_queue"), headers={"HX-Request": "true"})

    assert response.templates[0].name == "tasks/_queue_table.html"
    assert "<html" not in response.text


def test_export_is_exactly_the_filtered_visible_queue_with_formulas_defused(client, coordinator, queue):
    client.force_login(coordinator)

    response = client.get(reverse("queue_export"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["Task"] for r in rows] == ["Call", "'=HYPERLINK(1)"]
    assert rows[1]["MRN"] == "Q-1"


def test_front_desk_export_leaves_out_clinical_work(client, front_desk, queue):
    client.force_login(front_desk)

    content = b"".join(client.get(reverse("queue_export")).streaming_content).decode()

    assert "HYPERLINK" not in content
    assert "Call" in content


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "partial"])
def test_queue_costs_the_same_few_queries_with_3_tasks_and_with_60(
    client, manager, patient, coordinator, colleague, headers
):
    people = [coordinator, colleague]
    client.force_login(manager)
    for i in range(3):
        TaskFactory(patient=patient, owner=people[i % 2], due_on=in_days(i - 1))
    client.get(reverse("team_queue"))
    few = count_queries(client, reverse("team_queue"), **headers)

    for i in range(57):
        TaskFactory(
            patient=PatientFactory(care_team=patient.care_team), owner=people[i % 2], due_on=in_days(i - 5)
        )

    assert count_queries(client, reverse("team_queue"), **headers) == few
    assert few <= 12  # one of them the access log's INSERT, of one row per patient shown


def test_queue_costs_the_same_queries_with_one_saved_filter_and_with_twelve(client, manager, queue):
    client.force_login(manager)
    SavedFilter.objects.create(user=manager, name="Mine", query=f"owner={manager.pk}")
    url = f"{reverse('team_queue')}?status=new&status=waiting&kind=lab&owner={manager.pk}"
    client.get(url)
    one = count_queries(client, url)

    for i in range(11):
        SavedFilter.objects.create(
            user=manager, name=f"Filter {i}", query=f"due=overdue&priority={i % 4 + 1}"
        )

    assert count_queries(client, url) == one
    assert one < 12


@pytest.mark.parametrize(
    ("asked", "shown", "titles", "queries"),
    [
        ("1", 1, ["t0", "t1"], 2),  # the page and one row more, then the total
        ("3", 3, ["t4"], 1),  # the last page: its rows say where the list ends
        ("9", 3, ["t4"], 3),  # past the end: rows, count, the last page's rows
        ("x", 1, ["t0", "t1"], 2),
        (None, 1, ["t0", "t1"], 2),
    ],
)
def test_a_page_reads_its_rows_and_counts_the_total(patient, coordinator, asked, shown, titles, queries):
    for i in range(5):
        TaskFactory(patient=patient, owner=coordinator, title=f"t{i}", due_on=in_days(i))
    tasks = Task.objects.visible_to(coordinator).order_by("due_on")

    with CaptureQueriesContext(connection) as context:
        page = bounded_page(tasks, asked, 2)

    assert (page.number, [t.title for t in page], page.paginator.count, page.paginator.num_pages) == (
        shown,
        titles,
        5,
        3,
    )
    assert (page.has_next(), page.paginator.more, page.paginator.label) == (shown < 3, False, "5")
    assert len(context.captured_queries) == queries


def test_past_the_bound_the_total_reads_bound_plus_and_pages_still_go_on(patient, coordinator):
    for i in range(7):
        TaskFactory(patient=patient, owner=coordinator, title=f"t{i}", due_on=in_days(i))
    tasks = Task.objects.visible_to(coordinator).order_by("due_on")

    first, third, last = (bounded_page(tasks, n, 2, bound=3) for n in ("1", "3", "4"))

    assert (first.paginator.count, first.paginator.more, first.paginator.label) == (3, True, "3+")
    assert [t.title for t in third] == ["t4", "t5"] and third.has_next()
    assert ([t.title for t in last], last.has_next(), last.paginator.label) == (["t6"], False, "7")
    assert (last.start_index(), last.end_index(), last.previous_page_number()) == (7, 7, 3)


def test_the_queue_shows_1000_plus_beyond_the_bound_and_pages_on(client, coordinator, patient, monkeypatch):
    monkeypatch.setattr("careplans.paging.COUNT_BOUND", 3)
    monkeypatch.setattr("tasks.views.QUEUE_PAGE_SIZE", 2)
    for i in range(7):
        TaskFactory(patient=patient, owner=coordinator, title=f"Call {i}", due_on=in_days(i))
    client.force_login(coordinator)

    first = client.get(reverse("team_queue")).content.decode()
    second = client.get(reverse("team_queue"), {"page": 2}).content.decode()
    last = client.get(reverse("team_queue"), {"page": 4}).content.decode()

    assert "3+ tasks" in first and "Page 1</li>" in first and "page=2" in first
    assert "Call 2" in second and "Call 3" in second and "Call 1" not in second
    assert "7 tasks" in last and "Page 4 of 4" in last and "Call 6" in last


@pytest.mark.parametrize("sort", ["-priority", "status", "patient__last_name"])
def test_pages_of_a_sorted_queue_neither_repeat_nor_skip_a_row(
    client, coordinator, patient, monkeypatch, sort
):
    """Many rows tie on the sorted column: due date and id break the ties."""
    monkeypatch.setattr("tasks.views.QUEUE_PAGE_SIZE", 3)
    tasks = [TaskFactory(patient=patient, owner=coordinator, due_on=in_days(i % 2)) for i in range(8)]
    client.force_login(coordinator)

    shown = []
    for page in (1, 2, 3):
        response = client.get(reverse("team_queue"), {"sort": sort, "page": page})
        shown += [task.pk for task in response.context["page"]]

    assert sorted(shown) == sorted(t.pk for t in tasks)


def test_an_empty_queue_is_one_empty_page(coordinator):
    page = bounded_page(Task.objects.visible_to(coordinator).order_by("pk"), "4", 100)

    assert (page.number, list(page), page.paginator.count, page.has_next()) == (1, [], 0, False)


def test_a_closed_task_past_its_date_is_never_shown_overdue(client, coordinator, patient):
    TaskFactory(
        patient=patient, owner=coordinator, title="Late call", due_on=in_days(-30), status=Status.COMPLETED
    )
    TaskFactory(patient=patient, owner=coordinator, title="Open call", due_on=in_days(-30))
    client.force_login(coordinator)

    rows = {"HX-Request": "true"}  # the table alone, without the filter's "Overdue" option
    closed = client.get(reverse("team_queue"), {"status": Status.COMPLETED}, headers=rows).content.decode()
    opened = client.get(reverse("team_queue"), headers=rows).content.decode()
    patient_page = client.get(reverse("patient_detail", args=[patient.pk])).content.decode()

    assert "Late call" in closed
    assert "overdue" not in closed
    assert "Open call" in opened
    assert "30 days overdue" in opened
    assert patient_page.count("30 days overdue") == 1  # the open task only


def test_the_queue_finds_the_patient_by_the_header_searchs_rules(client, coordinator, team):
    from tests.factories import PatientFactory

    ada = PatientFactory(care_team=team, first_name="Ada", last_name="Lovelace", phone="(315) 555-0162")
    other = PatientFactory(
        care_team=team, first_name="Grace", last_name="Hopper", birth_date=datetime.date(1906, 12, 9)
    )
    TaskFactory(patient=ada, owner=coordinator, title="Ada's call")
    TaskFactory(patient=other, owner=coordinator, title="Grace's call")
    client.force_login(coordinator)
    rows = {"HX-Request": "true"}

    for text in (
        "Ada Lovelace",
        "Lovelace, Ada",
        "love",
        ada.birth_date.strftime("%m/%d/%Y"),
        "315-555-0162",
    ):
        page = client.get(reverse("team_queue"), {"q": text}, headers=rows).content.decode()
        assert "Ada&#x27;s call" in page and "Grace&#x27;s call" not in page, text


def test_rows_are_selectable_only_for_those_with_a_bulk_action(client, patient, coordinator, front_desk):
    TaskFactory(patient=patient, owner=front_desk, kind="scheduling", title="Book the visit")
    rows = {"HX-Request": "true"}

    client.force_login(front_desk)
    theirs = client.get(reverse("team_queue"), headers=rows).content.decode()
    client.force_login(coordinator)
    mine = client.get(reverse("team_queue"), headers=rows).content.decode()

    assert "Book the visit" in theirs and 'name="task_ids"' not in theirs and "bulk-bar" not in theirs
    assert 'name="task_ids"' in mine and "bulk-bar" in mine


def test_a_closed_task_reads_no_due_phrase(client, coordinator, patient):
    TaskFactory(
        patient=patient, owner=coordinator, title="Booked early", due_on=in_days(1), status=Status.COMPLETED
    )
    client.force_login(coordinator)

    page = client.get(
        reverse("team_queue"), {"status": Status.COMPLETED}, headers={"HX-Request": "true"}
    ).text

    assert "Booked early" in page and "tomorrow" not in page
