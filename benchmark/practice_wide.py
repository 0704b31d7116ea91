"""The practice-wide manager (`bench.director`, manager right on every team): the pages whose
cost used to grow with the practice, the dashboard and the team queue (each beside its own SQL run bare,
as every page case is), and the best SQL we know for the dashboard's numbers."""

from __future__ import annotations

from benchmark.bench import dashboard_pages, team_queue_pages
from benchmark.runner import BenchContext, Case, Target
from benchmark.users import EVERY_TEAM_MANAGER, every_team_manager


def dashboard_best_sql_floor(ctx: BenchContext, n: int) -> list[Target]:
    """The best SQL we know for the page's numbers, run bare with every row fetched: see
    benchmark/best_sql.py (the open work read from the kept counts in one GROUPING SETS
    statement, the flow figures as the page reads them)."""
    from benchmark import best_sql
    from benchmark.bench import _dashboard_ready

    _dashboard_ready()
    statements = best_sql.statements(ctx.user)
    return [lambda: best_sql.run(statements)] * n


def _case(name: str, targets) -> Case:
    return Case(name, targets, user=EVERY_TEAM_MANAGER, prepare=every_team_manager)


CASES: list[Case] = [
    _case("dashboard, practice-wide", dashboard_pages),
    _case("dashboard best-SQL floor, practice-wide", dashboard_best_sql_floor),
    _case("team queue, practice-wide (100 rows/page)", team_queue_pages),
]
