import csv

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from config.replica import replica_reads
from dashboards import exports, selectors
from dashboards.forms import DashboardFilterForm, filter_choices
from tasks import rowsets
from tasks.exports import csv_safe


def _slice(request):
    """The user's slice of work, narrowed by the filters in the URL (invalid ones are shown with
    their error and left out)."""
    user = request.user
    today = timezone.localdate()
    scope = rowsets.scope_for(user)
    choices = filter_choices(user, scope)
    form = DashboardFilterForm(request.GET, choices=choices, today=today)
    start, end = form.period()
    work = selectors.Slice(
        user=user,
        scope=scope,
        today=today,
        start=start,
        end=end,
        care_team_id=form.value("care_team"),
        location_id=form.value("location"),
        program_id=form.value("program"),
        team_ids=tuple(choices["teams"]) if scope == rowsets.Scope.TEAMS else None,
    )
    names = selectors.Names(choices["teams"], choices["locations"], choices["programs"])
    return work, form, names


@replica_reads
@require_GET
@permission_required("tasks.view_dashboard", raise_exception=True)
def dashboard(request):
    work, form, names = _slice(request)
    board = selectors.dashboard(work, names=names)
    context = {
        "board": board,
        "form": form,
        "scope_label": rowsets.Scope(work.scope).label,
        "chart_data": board.chart_data(),
        "querystring": request.GET.urlencode(),
    }
    return render(request, "dashboards/dashboard.html", context)


@replica_reads
@require_GET
@permission_required("tasks.view_dashboard", raise_exception=True)
def dashboard_export(request):
    """The page's tables as CSV, for the same slice and filters: `?table=owners` one table, no
    `table` every table, one after another, each under its name."""
    table = request.GET.get("table")
    if table and table not in exports.TABLES:
        raise Http404("No such table")
    work, _, names = _slice(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="followthrough-{table or "dashboard"}-{stamp}.csv"'
    )
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    export = exports.Export(work, names)
    for n, name in enumerate([table] if table else exports.TABLES):
        title, make = exports.TABLES[name]
        header, rows = make(export)
        if not table:
            if n:
                writer.writerow([])
            writer.writerow([title])
        writer.writerow(header)
        writer.writerows([csv_safe(cell) for cell in row] for row in rows)
    return response
