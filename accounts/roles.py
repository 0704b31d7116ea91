"""Roles are Django groups (editable in admin). This module names them and seeds their rights."""

from django.db import models


class Role(models.TextChoices):
    PROVIDER = "Provider"
    COORDINATOR = "Care Coordinator"
    MEDICAL_ASSISTANT = "Medical Assistant"
    FRONT_DESK = "Front Desk"
    MANAGER = "Manager"
    ADMIN = "Admin"


# Model-level rights per role ("app_label.codename"). Object scope comes from care team
# permissions (guardian), never from these: holding a right here widens nothing across teams.
_WORK = ["tasks.view_task", "tasks.work_task", "careplans.view_patient"]
_CLINICAL_READ = ["careplans.view_clinical", "careplans.view_careplan", "careplans.view_goal"]
_PLAN_OPS = ["tasks.add_task", "careplans.apply_template", "careplans.add_careplan"]
# The dashboard shows each holder their own slice (tasks.rowsets.Scope, chosen by right, never by
# role name): managers their teams, providers their patients, coordinators and assistants their
# own tasks.
_DASHBOARD = ["tasks.view_dashboard"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.PROVIDER: [
        *_WORK,
        *_CLINICAL_READ,
        *_PLAN_OPS,
        *_DASHBOARD,
        "tasks.view_patients_dashboard",
        "careplans.change_careplan",
        "careplans.edit_clinical",
        "careplans.add_goal",
        "careplans.change_goal",
    ],
    Role.COORDINATOR: [*_WORK, *_CLINICAL_READ, *_PLAN_OPS, *_DASHBOARD, "tasks.reassign_own_task"],
    Role.MEDICAL_ASSISTANT: [*_WORK, *_CLINICAL_READ, *_PLAN_OPS, *_DASHBOARD, "tasks.reassign_own_task"],
    Role.FRONT_DESK: [*_WORK, "tasks.add_scheduling_task"],
    Role.MANAGER: [
        *_WORK,
        *_CLINICAL_READ,
        *_PLAN_OPS,
        "tasks.reassign_any_task",
        "tasks.reopen_task",
        "tasks.bulk_change_task",
        *_DASHBOARD,
        "tasks.view_team_dashboard",
    ],
    Role.ADMIN: [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "auth.view_group",
        "auth.change_group",
        "auth.add_group",
        "accounts.view_careteam",
        "accounts.add_careteam",
        "accounts.change_careteam",
        "accounts.view_location",
        "accounts.add_location",
        "accounts.change_location",
        "accounts.view_careteamuserobjectpermission",
        "accounts.add_careteamuserobjectpermission",
        "accounts.change_careteamuserobjectpermission",
        "accounts.delete_careteamuserobjectpermission",
        "careplans.view_program",
        "careplans.add_program",
        "careplans.change_program",
        "careplans.view_careplantemplate",
        "careplans.add_careplantemplate",
        "careplans.change_careplantemplate",
        "careplans.view_templatetask",
        "careplans.add_templatetask",
        "careplans.change_templatetask",
        "careplans.delete_templatetask",
        "careplans.view_holiday",
        "careplans.add_holiday",
        "careplans.change_holiday",
        "careplans.delete_holiday",
        "careplans.view_patientaccesslog",
    ],
}


def sync_role_permissions(apps=None, *, skip_missing: bool = False) -> None:
    """Create the role groups and give each exactly its rights. Safe to run again.

    `skip_missing`: leave out rights that do not exist yet. The early data migrations (accounts
    0003, 0004) run this list as it is today, before the apps migrated after them have their
    models, so they skip what they cannot grant yet. A right added here from such an app (say
    notifications) needs a data migration in that app, after its models, that runs this again."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=str(role))
        wanted = []
        for code in codes:
            app_label, codename = code.split(".")
            found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if found is None and not skip_missing:
                raise Permission.DoesNotExist(f"Role {role}: no permission {code}")
            if found is not None:
                wanted.append(found)
        group.permissions.set(wanted)


def sync_in_migration(apps, schema_editor) -> None:
    """A data migration's RunPython: create the rights (Django creates them only after migrate)
    and re-seed the roles from ROLE_PERMISSIONS as it is today, skipping rights of apps migrated
    later (their own migration runs this again)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_permissions(apps, skip_missing=True)
