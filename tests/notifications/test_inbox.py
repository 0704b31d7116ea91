import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind, Notification
from tests.factories import PatientFactory, TaskFactory
from tests.helpers import count_queries

HTMX = {"HX-Request": "true"}


def _notice(recipient, task, *, kind=Kind.OVERDUE, read=False) -> Notification:
    return Notification.objects.create(
        recipient=recipient,
        task=task,
        kind=kind,
        day=task.due_on,
        read_at=timezone.now() if read else None,
    )


@pytest.fixture
def notice(task, coordinator):
    return _notice(coordinator, task)


def test_recipient_sees_their_notices_with_a_link_to_the_task(client, coordinator, notice, task, patient):
    client.force_login(coordinator)

    response = client.get(reverse("inbox"))

    assert response.status_code == 200
    assert "A task you own is overdue" in response.text
    assert f'href="{task.get_absolute_url()}"' in response.text
    assert task.title in response.text and patient.last_name in response.text
    assert "1 unread" in response.text


def test_others_see_none_of_them(client, colleague, manager, notice):
    for user in (colleague, manager):
        client.force_login(user)
        assert "A task you own is overdue" not in client.get(reverse("inbox")).text


def test_task_no_longer_visible_is_shown_by_number_only(client, outsider, task, patient):
    _notice(outsider, task)  # say the outsider owned it before moving to another team
    client.force_login(outsider)

    response = client.get(reverse("inbox"))

    assert f"Task #{task.pk}" in response.text
    assert task.title not in response.text and patient.last_name not in response.text


def test_mark_read_with_a_plain_form(client, coordinator, notice):
    client.force_login(coordinator)

    response = client.post(reverse("notifications_read"), {"notification": notice.pk})

    assert response.status_code == 302 and response["Location"] == reverse("inbox")
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_mark_read_with_htmx_returns_the_row_and_refreshes_the_badge(client, coordinator, notice):
    client.force_login(coordinator)

    response = client.post(reverse("notifications_read"), {"notification": notice.pk}, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Trigger"] == "notificationsRead"
    assert response.text.strip().startswith(f'<tr id="notification-{notice.pk}">')
    assert "Read " in response.text and "Mark read" not in response.text


def test_marking_someone_elses_notice_is_not_found_and_changes_nothing(client, colleague, outsider, notice):
    for user in (colleague, outsider):
        client.force_login(user)
        response = client.post(reverse("notifications_read"), {"notification": notice.pk})
        assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


@pytest.mark.parametrize("bad", ["", "abc", "12.5", "99999999"])
def test_marking_a_notice_that_is_no_notice_is_not_found(client, coordinator, notice, bad):
    client.force_login(coordinator)

    assert client.post(reverse("notifications_read"), {"notification": bad}).status_code == 404


def test_mark_all_read_marks_only_the_users_own(client, coordinator, colleague, task, notice):
    theirs = _notice(colleague, task)
    client.force_login(coordinator)

    response = client.post(reverse("notifications_read"))

    assert response.status_code == 302
    notice.refresh_from_db()
    theirs.refresh_from_db()
    assert (notice.read_at is not None, theirs.read_at) == (True, None)


def test_badge_counts_unread_notices(client, coordinator, task, notice):
    _notice(coordinator, task, kind=Kind.WAITING_EXPIRED)
    _notice(coordinator, task, kind=Kind.ESCALATION, read=True)
    Notification.objects.create(recipient=coordinator, kind=Kind.DIGEST, day=task.due_on)
    client.force_login(coordinator)

    response = client.get(reverse("inbox_badge"))

    assert response.status_code == 200
    assert '<span class="count count-alert">2</span>' in response.text


def test_badge_is_empty_without_unread_notices(client, coordinator):
    client.force_login(coordinator)

    assert client.get(reverse("inbox_badge")).text.strip() == ""


def test_header_loads_the_badge_with_htmx(client, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("inbox"))

    assert f'hx-get="{reverse("inbox_badge")}"' in response.text


def _add(count, *, team, owner):
    for _ in range(count):
        task = TaskFactory(
            patient=PatientFactory(care_team=team),
            owner=owner,
            due_on=timezone.localdate() - datetime.timedelta(days=1),
        )
        _notice(owner, task)


@pytest.mark.parametrize("url_name", ["inbox", "inbox_badge"])
def test_pages_cost_the_same_queries_with_3_notices_and_with_30(client, coordinator, team, url_name):
    client.force_login(coordinator)
    _add(3, team=team, owner=coordinator)
    client.get(reverse(url_name))  # warm the session and permission caches
    few = count_queries(client, reverse(url_name))

    _add(27, team=team, owner=coordinator)

    assert count_queries(client, reverse(url_name)) == few
    if url_name == "inbox":
        assert client.get(reverse("inbox")).text.count("A task you own is overdue") == 30
