"""Saved filters: a user names the team queue's filters and opens them again from the queue or
My work. Only the filters the queue reads are kept, each checked by its FilterSet; a saved
filter is its owner's alone."""

import pytest
from django.urls import reverse

from accounts.errors import NotAllowed
from tasks.models import SavedFilter
from tasks.saved_filters import delete_filter
from tests.factories import TaskFactory, in_days
from tests.helpers import count_queries


def _save(client, name, query):
    return client.post(reverse("saved_filter_create"), {"name": name, "query": query})


def _flashed(response):
    return [(m.level_tag, str(m)) for m in response.wsgi_request._messages]


def test_a_saved_filter_keeps_only_the_filters_set_and_opens_the_queue_on_them(client, coordinator):
    client.force_login(coordinator)
    query = f"q=&status=new&status=in_progress&kind=outreach_call&owner={coordinator.pk}&priority=&due=overdue&reassigned=unknown&sort=&page=3&utm=x"

    response = _save(client, "  My   overdue calls ", query)

    saved = SavedFilter.objects.get(user=coordinator)
    assert saved.name == "My overdue calls"
    assert (
        saved.query == f"status=new&status=in_progress&kind=outreach_call&owner={coordinator.pk}&due=overdue"
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('team_queue')}?{saved.query}"
    assert _flashed(response) == [("success", "Saved “My overdue calls”: open it from the queue or My work.")]


def test_a_saved_filter_lists_the_same_tasks_as_the_filters_it_was_saved_from(
    client, coordinator, colleague, patient
):
    TaskFactory(patient=patient, owner=coordinator, title="Late call", due_on=in_days(-2))
    TaskFactory(patient=patient, owner=coordinator, title="Later call", due_on=in_days(5))
    TaskFactory(patient=patient, owner=colleague, title="Their late call", due_on=in_days(-2))
    client.force_login(coordinator)
    query = f"owner={coordinator.pk}&due=overdue&kind=outreach_call"
    _save(client, "My overdue calls", query)

    saved = SavedFilter.objects.get(user=coordinator)
    listed = client.get(saved.get_absolute_url())

    assert [t.title for t in listed.context["page"]] == ["Late call"]
    assert 'aria-current="true">My overdue calls</a>' in listed.content.decode()


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("kind=lab&kind=bogus", "Fix these filters before saving them. Type: Select a valid choice."),
        ("due_on_after=yesterday", "Fix these filters before saving them. Due between: Enter a valid date."),
        ("", "Choose some filters first: there is nothing to save."),
        ("page=2&q=&utm=x", "Choose some filters first: there is nothing to save."),
    ],
)
def test_filters_the_queue_refuses_are_not_saved(client, coordinator, query, says):
    client.force_login(coordinator)

    response = _save(client, "Broken", query)

    assert not SavedFilter.objects.exists()
    [(level, message)] = _flashed(response)
    assert level == "error"
    assert message.startswith(says)
    assert response["Location"].startswith(reverse("team_queue"))


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_saved_filter_needs_a_name(client, coordinator, name):
    client.force_login(coordinator)

    response = _save(client, name, "due=overdue")

    assert not SavedFilter.objects.exists()
    assert [level for level, _ in _flashed(response)] == ["error"]
    assert response["Location"] == f"{reverse('team_queue')}?due=overdue"  # the filters stay


def test_a_name_is_used_once_per_user_and_by_each_user_once(client, coordinator, colleague):
    SavedFilter.objects.create(user=coordinator, name="Overdue", query="due=overdue")
    client.force_login(coordinator)

    response = _save(client, "overdue", "due=today")

    assert list(SavedFilter.objects.filter(user=coordinator).values_list("name", "query")) == [
        ("Overdue", "due=overdue")
    ]
    assert _flashed(response) == [
        (
            "error",
            "You already have a saved filter named “overdue”. Choose another name, or delete that one first.",
        )
    ]
    client.force_login(colleague)
    _save(client, "Overdue", "due=today")
    assert SavedFilter.objects.filter(user=colleague, name="Overdue").exists()


def test_the_user_deletes_their_saved_filter_and_returns_to_the_queue_as_it_was(client, coordinator):
    saved = SavedFilter.objects.create(user=coordinator, name="Overdue", query="due=overdue")
    client.force_login(coordinator)
    back = f"{reverse('team_queue')}?status=waiting"

    response = client.post(reverse("saved_filter_delete", args=[saved.pk]), {"next": back})

    assert not SavedFilter.objects.exists()
    assert response["Location"] == back
    assert _flashed(response) == [("success", "Deleted the saved filter “Overdue”.")]


def test_another_users_saved_filter_is_not_found_and_not_listed(client, coordinator, colleague):
    theirs = SavedFilter.objects.create(user=colleague, name="Colleague's calls", query="kind=lab")
    mine = SavedFilter.objects.create(user=coordinator, name="My labs", query="kind=lab")
    client.force_login(coordinator)

    response = client.post(reverse("saved_filter_delete", args=[theirs.pk]))
    queue = client.get(reverse("team_queue")).content.decode()
    my_work = client.get(reverse("my_work")).content.decode()

    assert response.status_code == 404
    assert SavedFilter.objects.filter(pk=theirs.pk).exists()
    for page in (queue, my_work):
        assert "Colleague&#x27;s calls" not in page
        assert f'href="{mine.get_absolute_url().replace("&", "&amp;")}">My labs</a>' in page


def test_delete_refuses_anyone_but_the_owner(coordinator, colleague):
    saved = SavedFilter.objects.create(user=colleague, name="Mine", query="kind=lab")

    with pytest.raises(NotAllowed):
        delete_filter(saved, by=coordinator)

    assert SavedFilter.objects.filter(pk=saved.pk).exists()


def test_my_work_costs_the_same_queries_with_one_saved_filter_and_with_twelve(client, coordinator):
    client.force_login(coordinator)
    SavedFilter.objects.create(user=coordinator, name="Mine", query=f"owner={coordinator.pk}")
    client.get(reverse("my_work"))
    one = count_queries(client, reverse("my_work"))

    for i in range(11):
        SavedFilter.objects.create(user=coordinator, name=f"Filter {i}", query="due=overdue")

    assert count_queries(client, reverse("my_work")) == one


def test_an_error_is_shown_as_an_error_and_success_as_success(client, coordinator):
    client.force_login(coordinator)

    _save(client, "Nothing", "")
    refused_page = client.get(reverse("team_queue")).content.decode()
    _save(client, "Overdue", "due=overdue")
    saved_page = client.get(reverse("team_queue")).content.decode()

    assert '<p class="flash flash-error" role="alert">Choose some filters first' in refused_page
    assert '<p class="flash flash-success" role="status">Saved “Overdue”' in saved_page
