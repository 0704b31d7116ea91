"""The import benchmark: imports, re-runs unchanged, reports, and leaves the database as it was."""

import json

from django.core.management import call_command

from careplans.models import Patient
from integrations.models import ImportRun


def test_the_import_bench_reports_both_runs_and_leaves_nothing(db, tmp_path, capsys):
    out = tmp_path / "bench-imports.json"

    call_command("bench_imports", "--rows", "300", "--json", str(out))

    printed = capsys.readouterr().out
    assert "import of 300 patient rows" in printed and "created 300" in printed
    assert "unchanged 300" in printed
    figures = json.loads(out.read_text())
    assert figures["rows"] == 300 and figures["peak_mb"] > 0 and figures["import_s"] > 0
    assert not Patient.objects.exists() and not ImportRun.objects.exists()
