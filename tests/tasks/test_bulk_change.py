"""Bulk cancel and bulk reschedule from the team queue: managers only; each selected row goes
through the single-task action (cancel_task, change_task) in its own transaction, so a refused
row changes nothing and is reported by patient and task, and the others still apply."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks import actions
from tasks.choices import ActivityKind, Status
from tests.factories import PatientFactory, TaskFactory, in_days
from tests.helpers import activity_mark, changes_nothing, count_queries, new_activities, selected


def _reschedule(client, tasks, due_on, reason="Clinic closed that week", **extra):
    data = {"task_ids": selected(*tasks), "reschedule-due_on": due_on, "reschedule-reason": reason}
    return client.post(reverse("bulk_reschedule"), {**data, **extra})


def _cancel(client, tasks, reason="Patient moved out of state", **extra):
    data = {"task_ids": selected(*tasks), "cancel-reason": reason}
    return client.post(reverse("bulk_cancel"), {**data, **extra})


def _flashed(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def _row(task) -> str:
    return f"{task.patient.last_name}, {task.patient.first_name} — {task.title}"


# ---- reschedule ----------------------------------------------------------------------------


def test_manager_reschedules_selected_tasks_each_with_its_timeline_and_history(
    client, manager, patient, coordinator, colleague
):
    tasks = [
        TaskFactory(patient=patient, owner=owner, due_on=in_days(2)) for owner in (coordinator, colleague)
    ]
    mark = activity_mark()
    client.force_login(manager)

    response = _reschedule(client, tasks, in_days(10))

    assert response.status_code == 302
    assert _flashed(response) == ["Rescheduled 2 tasks."]
    for task in tasks:
        task.refresh_from_db()
        assert (task.due_on, task.version) == (in_days(10), 2)
        (activity,) = new_activities(task, mark)
        assert (activity.kind, activity.actor) == (ActivityKind.RESCHEDULE, manager)
        assert (
            activity.body == f"Due: {in_days(2):%m/%d/%Y} → {in_days(10):%m/%d/%Y}. Clinic closed that week"
        )
        history = task.history.first()
        assert (history.history_user, history.history_change_reason, history.due_on) == (
            manager,
            "Clinic closed that week",
            in_days(10),
        )


def test_a_due_date_moved_earlier_in_bulk_is_a_change_not_a_reschedule(client, manager, task):
    mark = activity_mark()
    client.force_login(manager)

    _reschedule(client, [task], in_days(1), reason="Sooner slot")

    (activity,) = new_activities(task, mark)
    assert activity.kind == ActivityKind.CHANGE


def test_reschedule_refusals_change_nothing_and_name_the_patient_and_task(
    client, manager, patient, coordinator
):
    grace = PatientFactory(care_team=patient.care_team, first_name="Grace", last_name="Hopper")
    moving = TaskFactory(patient=patient, owner=coordinator, due_on=in_days(2))
    done = TaskFactory(patient=grace, owner=coordinator, title="Lab draw", status=Status.COMPLETED)
    same_day = TaskFactory(patient=grace, owner=coordinator, title="Call back", due_on=in_days(10))
    client.force_login(manager)

    with changes_nothing(done), changes_nothing(same_day):
        response = _reschedule(client, [moving, done, same_day], in_days(10))

    moving.refresh_from_db()
    assert moving.due_on == in_days(10)
    assert _flashed(response) == [
        "Rescheduled 1 task.",
        # in the queue's order: by patient, then due date
        "Hopper, Grace — Lab draw: Only open tasks can be changed.",
        "Hopper, Grace — Call back: Nothing to change: the task already reads so.",
    ]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"reschedule-due_on": in_days(-1)}, "The new due date cannot be in the past."),
        ({"reschedule-due_on": ""}, "This field is required."),
        ({"reschedule-reason": ""}, "This field is required."),
    ],
    ids=["past date", "no date", "no reason"],
)
def test_invalid_reschedule_changes_nothing_and_says_why(client, manager, task, fields, error):
    client.force_login(manager)

    with changes_nothing(task):
        response = _reschedule(client, [task], in_days(10), **fields)

    assert response.status_code == 302
    (message,) = _flashed(response)
    assert message.startswith("Choose tasks, a new due date and a reason.")
    assert error in message


# ---- cancel --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.NEW, Status.IN_PROGRESS])
def test_manager_cancels_selected_tasks_with_the_reason(client, manager, patient, coordinator, status):
    tasks = [TaskFactory(patient=patient, owner=coordinator, status=status) for _ in range(2)]
    mark = activity_mark()
    client.force_login(manager)

    response = _cancel(client, tasks)

    assert _flashed(response) == ["Cancelled 2 tasks."]
    for task in tasks:
        task.refresh_from_db()
        assert (task.status, task.outcome) == (Status.CANCELLED, "Patient moved out of state")
        (activity,) = new_activities(task, mark)
        assert (activity.kind, activity.actor, activity.body) == (
            ActivityKind.STATUS_CHANGE,
            manager,
            "Patient moved out of state",
        )
        assert (activity.from_status, activity.to_status) == (status, Status.CANCELLED)
        history = task.history.first()
        assert (history.history_user, history.history_change_reason, history.status) == (
            manager,
            "Patient moved out of state",
            Status.CANCELLED,
        )


def test_a_waiting_task_is_resumed_then_cancelled(client, manager, patient, coordinator):
    waiting = TaskFactory(patient=patient, owner=coordinator, status=Status.WAITING)
    mark = activity_mark()
    client.force_login(manager)

    _cancel(client, [waiting])

    waiting.refresh_from_db()
    assert (waiting.status, waiting.waiting_reason, waiting.waiting_until) == (Status.CANCELLED, "", None)
    moves = [(a.from_status, a.to_status, a.actor) for a in new_activities(waiting, mark)]
    assert moves == [
        (Status.WAITING, Status.IN_PROGRESS, manager),
        (Status.IN_PROGRESS, Status.CANCELLED, manager),
    ]
    assert [h.status for h in waiting.history.all()[:2]] == [Status.CANCELLED, Status.IN_PROGRESS]


def test_cancel_refusals_change_nothing_and_the_other_rows_still_apply(client, manager, patient, coordinator):
    grace = PatientFactory(care_team=patient.care_team, first_name="Grace", last_name="Hopper")
    open_task = TaskFactory(patient=patient, owner=coordinator)
    done = TaskFactory(patient=grace, owner=coordinator, title="Lab draw", status=Status.COMPLETED)
    client.force_login(manager)

    with changes_nothing(done):
        response = _cancel(client, [done, open_task])

    open_task.refresh_from_db()
    assert open_task.status == Status.CANCELLED
    assert _flashed(response) == [
        "Cancelled 1 task.",
        "Hopper, Grace — Lab draw: Cannot cancel a task that is Completed: only New, In progress tasks can.",
    ]


def test_a_row_changed_since_the_queue_was_shown_is_left_as_it_is(client, manager, patient, coordinator):
    stale = TaskFactory(patient=patient, owner=coordinator, title="Call about labs")
    fresh = TaskFactory(patient=patient, owner=coordinator)
    shown = selected(stale, fresh)
    stale = actions.start_task(stale, by=coordinator)  # after the manager's page was drawn
    client.force_login(manager)

    with changes_nothing(stale):
        response = client.post(reverse("bulk_cancel"), {"task_ids": shown, "cancel-reason": "Duplicate"})

    fresh.refresh_from_db()
    assert fresh.status == Status.CANCELLED
    assert _flashed(response) == [
        "Cancelled 1 task.",
        f"{_row(stale)}: changed by {coordinator.get_full_name()} since the queue was shown; left as it is.",
    ]


def test_a_cancel_without_a_reason_changes_nothing(client, manager, task):
    client.force_login(manager)

    with changes_nothing(task):
        response = _cancel(client, [task], reason=" ")

    (message,) = _flashed(response)
    assert message.startswith("Choose tasks and give a reason to cancel them.")


def test_nothing_selected_is_reported(client, manager):
    client.force_login(manager)

    response = client.post(reverse("bulk_cancel"), {"cancel-reason": "Duplicate"})

    (message,) = _flashed(response)
    assert message.startswith("Choose tasks and give a reason to cancel them.")


# ---- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "medical_assistant", "provider", "front_desk", "admin"])
@pytest.mark.parametrize("action", [_cancel, _reschedule], ids=["cancel", "reschedule"])
def test_only_managers_change_rows_in_bulk(client, request, patient, role, action):
    user = request.getfixturevalue(role)
    own = TaskFactory(
        patient=patient, owner=request.getfixturevalue("coordinator") if role == "admin" else user
    )
    client.force_login(user)

    with changes_nothing(own):
        response = action(client, [own], in_days(9)) if action is _reschedule else action(client, [own])

    assert response.status_code == 403


def test_rows_of_other_teams_are_ignored_and_never_named(client, manager, other_task, task):
    client.force_login(manager)

    with changes_nothing(other_task):
        response = _cancel(client, [other_task, task])

    assert _flashed(response) == ["Cancelled 1 task."]


def test_queue_offers_bulk_cancel_and_reschedule_to_managers_only(client, manager, coordinator, task):
    client.force_login(manager)
    page = client.get(reverse("team_queue")).text
    assert reverse("bulk_cancel") in page and reverse("bulk_reschedule") in page
    assert f'value="{task.pk}:{task.version}"' in page

    client.force_login(coordinator)
    page = client.get(reverse("team_queue")).text
    assert reverse("bulk_cancel") not in page and reverse("bulk_reschedule") not in page
    assert reverse("bulk_reassign") in page


# ---- cost ------------------------------------------------------------------------------------

# Each row is its own transaction, as the single-task action: in a test, where every atomic block
# is a savepoint, SAVEPOINT, the locked read, UPDATE, the history INSERT, the Activity INSERT and
# RELEASE; cancelling adds the read of when the task entered its status and the marking of the
# task's notices read (nothing is left to act on), and a Waiting row takes both steps in one
# transaction (resume, then cancel: 2 + 5 + 6). Around the rows, a fixed 8 or 9 (session, user,
# rights, the selected rows in one read, the flash messages).
PER_ROW = {"reschedule": 6, "cancel": 8, "cancel waiting": 13}


@pytest.mark.parametrize("case", PER_ROW)
def test_cost_grows_only_by_the_rows_own_writes(client, manager, patient, coordinator, case):
    status = Status.WAITING if case == "cancel waiting" else Status.NEW
    client.force_login(manager)

    def queries(n: int) -> int:
        tasks = [TaskFactory(patient=patient, owner=coordinator, status=status) for _ in range(n)]
        with CaptureQueriesContext(connection) as context:
            if case == "reschedule":
                response = _reschedule(client, tasks, in_days(20))
            else:
                response = _cancel(client, tasks)
        assert _flashed(response)[-1].endswith(f" {n} task{'s' if n > 1 else ''}.")  # every row applied
        return len(context.captured_queries)

    one, four = queries(1), queries(4)

    assert four - one == 3 * PER_ROW[case]
    assert one - PER_ROW[case] <= 9


def test_the_queue_costs_the_same_with_the_bulk_bar(client, manager, patient, coordinator):
    client.force_login(manager)
    TaskFactory(patient=patient, owner=coordinator)
    few = count_queries(client, reverse("team_queue"))

    for _ in range(5):
        TaskFactory(patient=patient, owner=coordinator)

    assert count_queries(client, reverse("team_queue")) == few
