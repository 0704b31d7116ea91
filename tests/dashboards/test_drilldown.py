"""Every number on the dashboard opens the team queue filtered to exactly the tasks it counts:
follow each link and count the queue's rows."""

from urllib.parse import urlparse

import pytest
from django.urls import reverse

from accounts.models import CareTeamUserObjectPermission


def figures(board):
    """(name, Figure) for every linked count on the page."""
    for tile in board.tiles:
        yield f"tile {tile.key}", tile.figure
    yield "completed this week on time", board.completed_week.on_time
    yield "completed this week late", board.completed_week.late
    for breakdown in board.breakdowns:
        for row in breakdown.rows:
            yield f"{breakdown.key} {row.label} open", row.open
            yield f"{breakdown.key} {row.label} overdue", row.overdue
    for row in board.completion:
        yield f"completion {row.label}", row.completed
        yield f"completion {row.label} on time", row.on_time
        yield f"completion {row.label} late", row.late
    for key, rows in board.reassignment.items():
        for row in rows:
            yield f"reassignment {key} {row.label} closed", row.closed
            yield f"reassignment {key} {row.label} reassigned", row.reassigned
    for row in board.time_in_status:
        yield f"time in status {row.label}", row.tasks


def queue_count(client, url) -> int:
    assert urlparse(url).path == reverse("team_queue")
    response = client.get(url)
    assert response.status_code == 200
    assert not response.context["filter"].form.errors, response.context["filter"].form.errors
    return response.context["page"].paginator.count


@pytest.mark.parametrize("role", ["manager", "provider", "coordinator", "colleague"])
def test_each_figure_equals_the_rows_its_queue_link_lists(client, request, known, role):
    client.force_login(request.getfixturevalue(role))
    board = client.get(reverse("dashboard")).context["board"]

    checked = {name: (figure.value, queue_count(client, figure.url)) for name, figure in figures(board)}

    assert {name: shown for name, (shown, _) in checked.items()} == {
        name: listed for name, (_, listed) in checked.items()
    }
    assert sum(shown for shown, _ in checked.values()) > 0


def test_drill_down_keeps_the_dashboard_filters(client, manager, known):
    client.force_login(manager)
    board = client.get(reverse("dashboard"), {"location": known.other_location.pk}).context["board"]

    overdue_at_hillside = next(t for t in board.tiles if t.key == "open")
    assert f"location={known.other_location.pk}" in overdue_at_hillside.figure.url
    assert queue_count(client, overdue_at_hillside.figure.url) == overdue_at_hillside.figure.value == 4


def test_the_manager_link_never_lists_another_teams_tasks(client, manager, known):
    client.force_login(manager)
    board = client.get(reverse("dashboard")).context["board"]
    overdue = next(t for t in board.tiles if t.key == "overdue")

    rows = client.get(overdue.figure.url).context["page"].object_list
    assert {task.care_team_id for task in rows} == {known.tasks["a"].care_team_id}
    assert known.tasks["o"].pk not in {task.pk for task in rows}


@pytest.mark.parametrize("leaves", ["removed from the team", "deactivated"])
def test_an_owner_who_left_still_drills_down_to_exactly_their_tasks(
    client, manager, colleague, known, leaves
):
    if leaves == "deactivated":
        colleague.is_active = False
        colleague.save()
    else:
        CareTeamUserObjectPermission.objects.filter(user=colleague).delete()
    client.force_login(manager)
    board = client.get(reverse("dashboard")).context["board"]

    owners = next(b for b in board.breakdowns if b.key == "owners")
    row = next(r for r in owners.rows if r.label == str(colleague))
    assert row.open.value > 0
    assert queue_count(client, row.open.url) == row.open.value
    assert queue_count(client, row.overdue.url) == row.overdue.value
