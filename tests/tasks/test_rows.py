"""The hot partials from Jinja2 (tasks.rows, config.jinja2, config.forms): the HTML Django's
templates gave, escaped the same way, with URLs reversed once a page."""

import datetime

import pytest
from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.forms.renderers import DjangoTemplates
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from benchmark.management.commands.snapshot_pages import normalise
from config.forms import FormRenderer
from config.jinja2 import url_for_each
from tasks import rows, views
from tasks.choices import Status, WaitingReason
from tasks.filters import TaskFilter
from tasks.models import Task
from tests.factories import PatientFactory, TaskFactory, in_days

HOSTILE = """<b onclick="x()">Tom & Jerry's</b>"""
DJANGO_ESCAPED = "&lt;b onclick=&quot;x()&quot;&gt;Tom &amp; Jerry&#x27;s&lt;/b&gt;"


def test_a_value_is_escaped_as_djangos_templates_escape_it(db):
    template = engines["jinja2"].from_string("{{ value }}|{{ safe }}|{{ missing }}|{{ nothing }}")

    html = template.render({"value": HOSTILE, "safe": mark_safe("<i>ok</i>"), "nothing": None})

    assert html == f"{DJANGO_ESCAPED}|<i>ok</i>||None"
    assert html.split("|")[0] == engines["django"].from_string("{{ value }}").render({"value": HOSTILE})


def test_the_queue_rows_escape_names_and_titles_as_before(client, coordinator, team):
    patient = PatientFactory(care_team=team, last_name="O'Brien", first_name="<Ann>")
    TaskFactory(patient=patient, owner=coordinator, title=HOSTILE, due_on=in_days(-2))
    client.force_login(coordinator)

    html = client.get(reverse("team_queue")).content.decode()

    assert f">{DJANGO_ESCAPED}</a>" in html
    assert "O&#x27;Brien, &lt;Ann&gt;</a>" in html
    assert "&#39;" not in html and "&#34;" not in html  # markupsafe's entities, never Django's
    assert "<b onclick" not in html
    assert "2 days overdue" in html


def test_a_row_links_to_the_urls_reverse_gives(client, coordinator, task):
    client.force_login(coordinator)

    html = client.get(reverse("my_work")).content.decode()

    assert f'data-task-url="{task.get_absolute_url()}"' in html
    assert f'<a href="{task.patient.get_absolute_url()}">' in html


@pytest.mark.parametrize("pk", [1, 42, 10**17])
def test_urls_reversed_once_are_reverses_own(db, pk):
    assert url_for_each("task_detail")(pk) == reverse("task_detail", args=[pk])
    assert url_for_each("patient_detail")(pk) == reverse("patient_detail", args=[pk])


def test_a_waiting_row_says_until_when_with_the_year_when_not_this_one(coordinator, patient):
    today = timezone.localdate()
    task = Task(
        pk=7,
        patient=patient,
        owner=coordinator,
        title="Wait",
        due_on=today,
        status=Status.WAITING,
        waiting_reason=WaitingReason.LAB_RESULT,
        waiting_until=today + datetime.timedelta(days=400),
    )

    html = rows.task_rows([task], today=today, show_owner=True)

    assert f"Lab result until {task.waiting_until:%m/%d/%Y}</small>" in html
    assert f"<td>{coordinator}</td>" in html
    assert "patient-cell" not in html and "checkbox" not in html


def test_the_timelines_show_times_in_the_practices_time_zone(client, coordinator, task):
    client.force_login(coordinator)
    activity = task.activities.first()
    local = timezone.localtime(activity.created_at)

    html = client.get(task.get_absolute_url()).content.decode()

    assert f'<time datetime="{local.isoformat()}">{local:%m/%d/%Y} ' in html


def _renders(form) -> tuple[str, str]:
    """A form's HTML from Django's engine and from ours, whitespace as a browser reads it."""
    form.renderer = DjangoTemplates()
    django_html = normalise(form.as_div())
    form.renderer = FormRenderer()
    return django_html, normalise(form.as_div())


def test_the_task_forms_render_as_djangos_templates_render_them(coordinator, manager, task):
    task.title = HOSTILE
    panel_task = Task.objects.for_panel().get(pk=task.pk)
    for user in (coordinator, manager):
        for verb, form in views._forms_for(panel_task, user).items():
            django_html, ours = _renders(form)
            assert ours == django_html, verb


def test_a_bound_form_with_errors_and_hostile_values_renders_the_same(coordinator, task):
    form = views.VERBS["wait"][0](
        {"wait-version": "x", "wait-reason": HOSTILE, "wait-note": HOSTILE},
        prefix="wait",
        task=task,
        user=coordinator,
    )
    assert not form.is_valid()

    django_html, ours = _renders(form)

    assert ours == django_html
    assert DJANGO_ESCAPED in ours


def test_the_queue_filters_render_as_djangos_templates_render_them(rf, coordinator, colleague):
    request = rf.get("/queue/", {"status": "new", "owner": str(colleague.pk), "q": HOSTILE})
    request.user = coordinator
    form = TaskFilter(request.GET, queryset=Task.objects.all(), request=request).form

    django_html, ours = _renders(form)

    assert ours == django_html
    assert 'value="new" id="id_status_0" checked>' in ours


def test_a_widget_only_djangos_engine_has_still_renders():
    class Form(forms.Form):
        day = forms.DateField(widget=AdminDateWidget)

    django_html, ours = _renders(Form())

    assert ours == django_html
    assert 'class="vDateField"' in ours


@pytest.mark.parametrize(("hour", "minute"), [(0, 0), (0, 5), (9, 7), (11, 59), (12, 0), (13, 30), (23, 59)])
def test_timeline_times_read_as_djangos_date_filter_wrote_them(hour, minute):
    from django.template.defaultfilters import date

    from config.jinja2 import clock_time, iso_time

    moment = timezone.make_aware(datetime.datetime(2026, 3, 8, hour, minute, 31)).astimezone(datetime.UTC)
    local = timezone.localtime(moment)

    assert clock_time(moment) == date(local, "m/d/Y g:i A")
    assert iso_time(moment) == date(local, "c")
