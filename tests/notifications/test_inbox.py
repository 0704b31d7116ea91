import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind, Notification
from tasks import actions
from tasks.models import Task
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


def _group_url(kind=Kind.OVERDUE, day=None):
    return reverse("inbox_group", args=[kind, (day or timezone.localdate()).isoformat()])


@pytest.mark.parametrize("url_name", ["inbox", "inbox_badge", "inbox_group"])
def test_pages_cost_the_same_queries_with_3_notices_and_with_30(client, coordinator, team, url_name):
    url = _group_url() if url_name == "inbox_group" else reverse(url_name)
    client.force_login(coordinator)
    _add(3, team=team, owner=coordinator)
    client.get(url)  # warm the session and permission caches
    few = count_queries(client, url)

    _add(27, team=team, owner=coordinator)

    assert count_queries(client, url) == few
    if url_name == "inbox_group":
        assert client.get(url).text.count("A task you own is overdue") == 30


def test_repeated_notices_are_one_line_per_kind_and_day(client, manager, coordinator, team):
    _add(5, team=team, owner=manager)
    task = TaskFactory(patient=PatientFactory(care_team=team), owner=manager)
    _notice(manager, task, kind=Kind.ESCALATION, read=True)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    Notification.objects.filter(kind=Kind.ESCALATION).update(created_at=yesterday)
    client.force_login(manager)

    page = client.get(reverse("inbox")).text

    # Five overdue notices today: one line with a count that opens them; yesterday's single
    # escalation is shown as itself.
    assert "<strong>Overdue</strong> · 5 notices · <mark>5 unread</mark>" in page
    assert f'hx-get="{_group_url()}"' in page
    assert page.count("A task you own is overdue") == 0
    assert "Escalation (level 0): a task of your team is overdue" in page
    assert page.index(timezone.localdate().strftime("%m/%d/%Y")) < page.index(
        timezone.localdate(yesterday).strftime("%m/%d/%Y")
    )


def test_a_line_opens_into_its_notices_with_owner_and_patient(client, manager, coordinator, team):
    _add(2, team=team, owner=coordinator)
    for notice in Notification.objects.all():
        notice.pk, notice.recipient = None, manager
        notice.kind = Kind.ESCALATION
        notice.save()
    client.force_login(manager)

    part = client.get(_group_url(Kind.ESCALATION), headers=HTMX).text

    assert "<html" not in part
    assert part.count(f"owner {coordinator.get_full_name()}") == 2
    for task in Task.objects.all():
        assert task.title in part and task.patient.last_name in part


def test_a_handoff_says_who_and_why_to_whom_may_see_the_task(client, task, manager, colleague, outsider):
    actions.reassign_task(task, by=manager, to=colleague, reason="Covering Maria's calls")
    client.force_login(colleague)

    page = client.get(reverse("inbox")).text

    assert "A task was reassigned to you" in page
    assert f"by {manager.get_full_name()}: Covering Maria&#x27;s calls" in page
    Notification.objects.update(recipient=outsider)
    client.force_login(outsider)
    page = client.get(reverse("inbox")).text
    assert f"by {manager.get_full_name()}" in page and "Covering" not in page


def test_marking_a_line_read_marks_only_that_line(client, coordinator, team, task):
    _add(2, team=team, owner=coordinator)
    other_kind = _notice(coordinator, task, kind=Kind.WAITING_EXPIRED)
    client.force_login(coordinator)

    response = client.post(
        reverse("notifications_read"), {"kind": Kind.OVERDUE, "day": timezone.localdate().isoformat()}
    )

    assert response.status_code == 302
    assert not Notification.objects.filter(kind=Kind.OVERDUE, read_at=None).exists()
    other_kind.refresh_from_db()
    assert other_kind.read_at is None


@pytest.mark.parametrize(
    "kind, day", [("digest", "2026-12-01"), ("nonsense", "2026-12-01"), ("overdue", "2026-13-01")]
)
def test_a_line_that_is_no_line_is_not_found(client, coordinator, kind, day):
    client.force_login(coordinator)

    assert client.get(reverse("inbox_group", args=[kind, day])).status_code == 404


def test_a_line_shows_only_the_users_own_notices(client, coordinator, colleague, notice):
    client.force_login(colleague)

    assert "A task you own is overdue" not in client.get(_group_url()).text
