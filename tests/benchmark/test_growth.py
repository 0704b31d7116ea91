"""Growth x10: the two bench reports compared case by case (make bench's last step)."""

import json

import pytest
from django.core.management import CommandError, call_command

from benchmark import growth


def _report(tasks, cases):
    return {"database": f"postgresql:bench_{tasks}", "patients": tasks // 10, "tasks": tasks, "cases": cases}


def _case(name, p95, user="coordinator", error=""):
    return {"name": name, "user": user, "p95_ms": p95, "error": error}


def test_each_case_reads_its_p95_at_the_large_practice_over_the_small_one():
    large = _report(1_000_000, [_case("my work", 30.0), _case("dashboard", 150.0, user="manager")])
    small = _report(100_000, [_case("dashboard", 50.0, user="manager"), _case("my work", 24.0)])

    rows = growth.compare(large, small)

    assert [(r.name, r.user, r.ratio) for r in rows] == [
        ("my work", "coordinator", pytest.approx(1.25)),
        ("dashboard", "manager", pytest.approx(3.0)),
    ]


def test_cases_are_matched_by_user_too_and_unmatched_or_failed_ones_say_why():
    large = _report(
        1_000_000,
        [_case("dashboard", 100.0, user="manager"), _case("queue", 10.0, error="LookupError: nothing")],
    )
    small = _report(
        100_000, [_case("dashboard", 40.0, user="provider"), _case("queue", 5.0), _case("new", 1.0)]
    )

    rows = growth.compare(large, small)

    assert [(r.name, r.user, r.ratio, r.note) for r in rows] == [
        ("dashboard", "manager", None, "not run on the small practice"),
        ("queue", "coordinator", None, "failed on the large practice: LookupError: nothing"),
        ("dashboard", "provider", None, "not run on the large practice"),
        ("new", "coordinator", None, "not run on the large practice"),
    ]


def test_the_command_prints_the_ratios_and_writes_them(tmp_path, capsys):
    large, small, out = tmp_path / "bench.json", tmp_path / "bench-100k.json", tmp_path / "growth.json"
    large.write_text(json.dumps(_report(1_000_000, [_case("patient page", 33.0)])))
    small.write_text(json.dumps(_report(100_000, [_case("patient page", 30.0)])))

    call_command("bench_growth", str(large), str(small), "--json", str(out))

    printed = capsys.readouterr().out
    assert "10.0 times the tasks" in printed
    assert "p95 ms at 1,000,000 tasks" in printed and "p95 ms at 100,000 tasks" in printed
    assert [line.split()[-1] for line in printed.splitlines() if line.startswith("patient page")] == ["1.10"]
    written = json.loads(out.read_text())
    assert written["cases"] == [
        {
            "name": "patient page",
            "user": "coordinator",
            "p95_large_ms": 33.0,
            "p95_small_ms": 30.0,
            "growth_x10": 1.1,
            "note": "",
        }
    ]


def test_the_command_refuses_a_missing_report(tmp_path):
    with pytest.raises(CommandError, match="no bench report there"):
        call_command("bench_growth", str(tmp_path / "none.json"), str(tmp_path / "none-100k.json"))
