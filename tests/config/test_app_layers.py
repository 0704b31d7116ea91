"""Apps depend one way: accounts ← careplans ← tasks ← notifications, dashboards, ccm, and the tools
(demo data, the benchmark) above them all. The test reads every import of the product code,
those inside functions too, so a shortcut through a lazy import fails here as well."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# An app may import the apps of a lower rank; apps of the same rank know nothing of each other.
RANK = {
    "accounts": 0,
    "careplans": 1,
    "tasks": 2,
    "notifications": 3,
    "dashboards": 3,
    "integrations": 4,  # imports make patients, plans and tasks; the scheduling feed notifies
    "ccm": 3,  # shows on lower apps' pages through its template tags, never by their imports
    "demo": 4,
    "benchmark": 5,  # loads the demo practice at scale
}
# Shared by every app, importing none: generic SQL helpers.
SHARED = {"bulksql"}
# The task vocabulary (kinds, priorities) that care plan templates use too.
VOCABULARY = {("careplans", "tasks.choices")}


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _violations(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue  # history: migrations name the apps their models referred to then
        for line, name in _imports(path):
            target = name.split(".")[0]
            if target == package or (target not in RANK and target not in SHARED):
                continue
            if package in SHARED:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {name} (shared code imports no app)")
            elif target in SHARED or any(
                package == app and name.startswith(prefix) for app, prefix in VOCABULARY
            ):
                continue
            elif RANK[target] >= RANK[package]:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return found


def test_apps_import_only_the_apps_below_them():
    found = [v for package in [*RANK, *SHARED] if (ROOT / package).exists() for v in _violations(package)]
    assert found == []


def test_the_rule_catches_an_import_upwards(tmp_path, monkeypatch):
    # The check itself can fail: an accounts module importing tasks is reported.
    (tmp_path / "accounts").mkdir()
    (tmp_path / "accounts" / "bad.py").write_text("def f():\n    from tasks.models import Task\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert _violations("accounts") == ["accounts/bad.py:2 imports tasks.models.Task"]
