"""Due and waiting-until dates show the year whenever it is not the practice's current year, on
every page that lists tasks: a date a year out never reads like one next week."""

import datetime

from django.urls import reverse

from careplans.dates import years_after
from notifications.models import Kind, Notification
from tasks.actions import wait_task
from tasks.choices import WaitingReason
from tests.factories import TaskFactory, in_days


def test_the_patient_page_and_queue_show_the_year_of_a_task_due_next_year(
    client, coordinator, patient, today
):
    next_year = years_after(today, 1)
    TaskFactory(patient=patient, owner=coordinator, title="Annual eye exam", due_on=next_year)
    TaskFactory(patient=patient, owner=coordinator, title="Call today", due_on=today)
    client.force_login(coordinator)

    for page in (reverse("patient_detail", args=[patient.pk]), reverse("team_queue")):
        text = client.get(page).text

        assert f"{next_year:%a %m/%d/%Y}</time>" in text
        assert f"{today:%a %m/%d}</time>" in text


def test_the_panel_shows_the_year_of_a_long_wait(client, manager, coordinator, patient, today):
    task = TaskFactory(patient=patient, owner=coordinator, due_on=today)
    until = years_after(today, 1)
    wait_task(task, by=manager, reason=WaitingReason.PRIOR_AUTH, until=until)
    client.force_login(coordinator)

    panel = client.get(task.get_absolute_url(), headers={"HX-Request": "true"}).text
    queue = client.get(reverse("team_queue")).text

    assert f"until {until:%m/%d/%Y}" in panel
    assert f"due {today:%a %m/%d}" in panel
    assert f"until {until:%m/%d/%Y}" in queue


def test_my_work_shows_a_wait_that_ended_last_year_with_its_year(client, coordinator, patient, today):
    last_year = datetime.date(today.year - 1, 12, 31)
    task = TaskFactory(patient=patient, owner=coordinator, due_on=in_days(1))
    wait_task(task, by=coordinator, reason=WaitingReason.LAB_RESULT, until=in_days(3))
    type(task).objects.filter(pk=task.pk).update(waiting_until=last_year)  # the wait has long ended
    client.force_login(coordinator)

    text = client.get(reverse("my_work")).text

    assert f"{last_year:%m/%d/%Y}" in text


def test_the_inbox_shows_the_year_of_a_due_date_in_another_year(client, coordinator, patient, today):
    next_year = years_after(today, 1)
    task = TaskFactory(patient=patient, owner=coordinator, due_on=next_year)
    Notification.objects.create(recipient=coordinator, task=task, kind=Kind.OVERDUE, day=today)
    client.force_login(coordinator)

    text = client.get(reverse("inbox")).text

    assert f"due {next_year:%m/%d/%Y}" in text
