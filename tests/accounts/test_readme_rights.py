"""The README's rights table ("Roles and access") says what the code does: each row names the
rights it is about, and a role's cell says "no" exactly when the role holds none of them in
accounts.roles.ROLE_PERMISSIONS. A new row, role or right changed on one side only fails here."""

from pathlib import Path

from accounts.roles import RIGHTS, ROLE_PERMISSIONS, Role

README = Path(__file__).resolve().parents[2] / "README.md"

# Each row of the table and the rights (RIGHTS codes) it describes.
ROW_RIGHTS = {
    "see patients of own teams": {"careplans.view_patient"},
    "see goals and interventions": {"careplans.view_clinical", "careplans.view_goal"},
    "edit goals and interventions": {"careplans.edit_clinical"},
    "create tasks, apply care plan templates": {
        "tasks.add_task",
        "tasks.add_scheduling_task",
        "careplans.apply_template",
    },
    "move own tasks through statuses": {"tasks.work_task"},
    "reassign": {"tasks.reassign_own_task", "tasks.reassign_any_task"},
    "reopen a completed or cancelled task": {"tasks.reopen_task"},
    "open a patient outside their teams in an emergency (with a reason, for 4 hours)": {
        "careplans.emergency_access"
    },
    "hear of every emergency access (inbox)": {"careplans.hear_emergency_access"},
    "cancel or reschedule many queue rows at once": {"tasks.bulk_change_task"},
    "dashboard": {"tasks.view_dashboard"},
    "audit: who viewed or changed which patient": {
        "careplans.review_access_log",
        "careplans.review_practice_access_log",
    },
    "import patients, appointments, enrollments, care plans from a spreadsheet or a FHIR bundle": {
        "integrations.import_rows",
        "integrations.import_appointments",
    },
    "CCM: see consent, minutes, codes and the CCM worklist": {"ccm.view_ccm"},
    "CCM: record time (timer or by hand)": {"ccm.record_time", "ccm.qhp_time"},
    "CCM: record and revoke consent, record the plan copy given": {"ccm.manage_consent"},
    "CCM: export a month's billing (closes the month)": {"ccm.export_billing"},
    "users, roles, teams, programs, templates, escalation policies": {
        "accounts.change_user",
        "auth.change_group",
        "accounts.change_careteam",
        "careplans.change_program",
        "careplans.change_careplantemplate",
        "notifications.change_escalationpolicy",
    },
}


def _table() -> tuple[list[list[str]], list[list[str]]]:
    """The rights table: its header's role columns (each a list of roles), and its rows."""
    section = README.read_text().split("## Roles and access", 1)[1].split("\n## ", 1)[0]
    lines = [line.strip() for line in section.splitlines() if line.strip().startswith("|")]
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    header, _rule, *rows = cells
    return [[role.strip() for role in column.split("/")] for column in header[1:]], rows


def test_every_role_has_a_column_and_every_row_names_known_rights():
    columns, rows = _table()
    described = {code for area in RIGHTS.values() for code in area}

    assert sorted(role for column in columns for role in column) == sorted(Role.values)
    assert [row[0] for row in rows] == list(ROW_RIGHTS)
    assert set().union(*ROW_RIGHTS.values()) <= described


def test_each_cell_says_no_exactly_when_the_role_holds_none_of_the_rows_rights():
    columns, rows = _table()

    wrong = []
    for row in rows:
        rights = ROW_RIGHTS[row[0]]
        for column, cell in zip(columns, row[1:], strict=True):
            for role in column:
                holds = bool(rights & set(ROLE_PERMISSIONS[role]))
                if holds == (cell == "no"):
                    wrong.append(f"{row[0]!r}, {role}: README says {cell!r}, the role holds {holds}")
    assert wrong == []


def test_a_narrower_right_is_said_in_the_cell():
    """Front desk creates scheduling work only and sees no clinical work: its cells say so."""
    columns, rows = _table()
    cells = {row[0]: dict(zip((" / ".join(c) for c in columns), row[1:], strict=True)) for row in rows}
    front_desk = set(ROLE_PERMISSIONS[Role.FRONT_DESK])

    assert "tasks.add_task" not in front_desk and "tasks.add_scheduling_task" in front_desk
    assert "only" in cells["create tasks, apply care plan templates"][Role.FRONT_DESK]
    assert "careplans.view_clinical" not in front_desk
    assert "scheduling/outreach" in cells["see patients of own teams"][Role.FRONT_DESK]
