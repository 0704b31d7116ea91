"""The role-by-reference migrations on a database with rows: the names become references, and on
PostgreSQL the data and schema steps must not share a transaction (they did once, and failed
with "pending trigger events" on the first real database)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

AFTER = [("careplans", "0010_role_by_reference_only"), ("notifications", "0007_role_by_reference_only")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_role_names_become_references_to_their_groups():
    old = _migrate(
        [("careplans", "0007_patient_access_log_table"), ("notifications", "0004_unread_badge_index")]
    )
    try:
        Group = old.get_model("auth", "Group")
        program = old.get_model("careplans", "Program").objects.create(code="ccm-m", name="CCM m")
        template = old.get_model("careplans", "CarePlanTemplate").objects.create(program=program, name="t")
        old.get_model("careplans", "TemplateTask").objects.create(
            template=template, title="Sign-off", assignee_role="Provider"
        )
        old.get_model("careplans", "TemplateTask").objects.create(
            template=template, title="Call", assignee_role="Retired role"
        )
        old.get_model("notifications", "EscalationPolicy").objects.create(
            program=program,
            risk_level="",
            first_level_after_days=1,
            second_level_after_days=2,
            second_level_role="Provider",
        )

        new = _migrate(AFTER)

        owners = dict(
            new.get_model("careplans", "TemplateTask").objects.values_list("title", "assignee_group__name")
        )
        assert owners == {
            "Sign-off": "Provider",
            "Call": "Retired role",
        }  # a missing role is kept, as a group
        policy = new.get_model("notifications", "EscalationPolicy").objects.get(program__code="ccm-m")
        assert policy.second_level_group.name == "Provider"
        assert Group.objects.filter(name="Provider").count() == 1
    finally:
        # Back to the newest migrations, not to AFTER: the tests after this one expect every table
        # as the code has it.
        executor = MigrationExecutor(connection)
        _migrate(executor.loader.graph.leaf_nodes())
