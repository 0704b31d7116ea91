"""Roles are Django groups (editable in admin). This module names them and seeds their rights."""

from django.db import models


class Role(models.TextChoices):
    PROVIDER = "Provider"
    COORDINATOR = "Care Coordinator"
    MEDICAL_ASSISTANT = "Medical Assistant"
    FRONT_DESK = "Front Desk"
    MANAGER = "Manager"
    ADMIN = "Admin"
    COMPLIANCE = "Compliance"


# Model-level rights per role ("app_label.codename"). Object scope comes from care team
# permissions (guardian), never from these: holding a right here widens nothing across teams.
_WORK = ["tasks.view_task", "tasks.work_task", "careplans.view_patient"]
_CLINICAL_READ = ["careplans.view_clinical", "careplans.view_careplan", "careplans.view_goal"]
_PLAN_OPS = ["tasks.add_task", "careplans.apply_template", "careplans.add_careplan"]
# The dashboard shows each holder their own slice (tasks.rowsets.Scope, chosen by right, never by
# role name): managers their teams, providers their patients, coordinators and assistants their
# own tasks.
_DASHBOARD = ["tasks.view_dashboard"]
# Chronic care management (ccm): who sees its time and codes, records minutes, records consent.
# A provider's minutes count as physician/QHP time (ccm.qhp_time), everyone else's as clinical
# staff time. Front desk sees no CCM time or codes.
_CCM_WORK = ["ccm.view_ccm", "ccm.record_time", "ccm.manage_consent"]

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
        "careplans.emergency_access",
        *_CCM_WORK,
        "ccm.qhp_time",
    ],
    Role.COORDINATOR: [
        *_WORK,
        *_CLINICAL_READ,
        *_PLAN_OPS,
        *_DASHBOARD,
        "tasks.reassign_own_task",
        "careplans.emergency_access",
        *_CCM_WORK,
    ],
    Role.MEDICAL_ASSISTANT: [
        *_WORK,
        *_CLINICAL_READ,
        *_PLAN_OPS,
        *_DASHBOARD,
        "tasks.reassign_own_task",
        "ccm.view_ccm",
        "ccm.record_time",
    ],
    Role.MEDICAL_ASSISTANT: [
        *_WORK,
        *_CLINICAL_READ,
        *_PLAN_OPS,
        *_DASHBOARD,
        "tasks.reassign_own_task",
        "ccm.view_ccm",
        "ccm.record_time",
    ],
    # Front desk keeps the schedule: it may import appointments (integrations), nothing else.
    Role.FRONT_DESK: [*_WORK, "tasks.add_scheduling_task", "integrations.import_appointments"],
    Role.MANAGER: [
        *_WORK,
        *_CLINICAL_READ,
        *_PLAN_OPS,
        "tasks.reassign_any_task",
        "tasks.reopen_task",
        "tasks.bulk_change_task",
        *_DASHBOARD,
        "tasks.view_team_dashboard",
        "careplans.review_access_log",
        # Go-live and payer lists: patients, appointments, enrollments and care plans from a
        # spreadsheet, into the teams they work in. Not the Admin role: an import's preview shows
        # patient rows, and admins see no patient data.
        "integrations.import_rows",
        "ccm.view_ccm",
        "ccm.manage_consent",
        "ccm.export_billing",
    ],
    # Reviews the audit of the whole practice and hears of every emergency access
    # (careplans.emergency), whoever is in the group; sees no patient page (the audit names
    # patients). Its members are edited in the admin like any role's.
    Role.COMPLIANCE: [
        "careplans.review_access_log",
        "careplans.review_practice_access_log",
        "careplans.hear_emergency_access",
        "careplans.view_emergencyaccess",
    ],
    Role.ADMIN: [
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accessfailurelog",
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
        "notifications.view_escalationpolicy",
        "notifications.add_escalationpolicy",
        "notifications.change_escalationpolicy",
        "notifications.delete_escalationpolicy",
    ],
}

# Every right a role can hold, by area, each with the line the role editor shows. The editor
# offers these and nothing else: Django's add/change/delete/view rights on every model are no
# choice for a practice. A right added to ROLE_PERMISSIONS gets its line here.
RIGHTS: dict[str, dict[str, str]] = {
    "Tasks": {
        "tasks.view_task": "See the tasks of their teams' patients: My work and the team queue",
        "tasks.work_task": "Start, set waiting, complete and cancel their own tasks, and write notes",
        "tasks.add_task": "Create tasks of any type",
        "tasks.add_scheduling_task": "Create scheduling and outreach calls only (front desk)",
        "tasks.reassign_own_task": "Hand their own tasks to a teammate, with a reason",
        "tasks.reassign_any_task": "Reassign any task of a team they manage, with a reason",
        "tasks.reopen_task": "Reopen a completed or cancelled task of a team they manage",
        "tasks.bulk_change_task": "Cancel or reschedule many tasks of a team they manage at once, "
        "from the team queue",
    },
    "Care plans": {
        "careplans.view_patient": "See their teams' patients: demographics and scheduling",
        "careplans.view_clinical": "See goals and interventions, and tasks of every type "
        "(without it: scheduling and outreach calls, and their own tasks)",
        "careplans.view_careplan": "See a patient's care plans",
        "careplans.view_goal": "See a care plan's goals",
        "careplans.add_careplan": "Add care plans",
        "careplans.apply_template": "Start a care plan from a template, which creates its tasks",
        "careplans.change_careplan": "Change care plans",
        "careplans.edit_clinical": "Write goals and interventions; complete or revoke a care plan",
        "careplans.add_goal": "Add goals",
        "careplans.change_goal": "Change goals",
        "careplans.emergency_access": "Open a patient outside their teams in an emergency (break the "
        "glass): with a reason, for a few hours, logged and told to Compliance",
    },
    "Dashboards": {
        "tasks.view_dashboard": "Open the dashboard, of their own tasks unless a right below widens it",
        "tasks.view_patients_dashboard": "The dashboard counts the tasks of their own patients",
        "tasks.view_team_dashboard": "The dashboard counts the teams they manage",
    },
    "Chronic care management": {
        "ccm.view_ccm": "See CCM consent, minutes, codes and the CCM worklist of their teams' patients",
        "ccm.record_time": "Record CCM minutes (timer or by hand); edit their own in the month, adjust closed months",
        "ccm.manage_consent": "Record and revoke a patient's CCM consent",
        "ccm.export_billing": "Export a month's CCM billing (CSV, printable pages), which closes the month",
        "ccm.qhp_time": "Their CCM minutes count as physician/QHP time (else clinical staff time)",
    },
    "Notifications": {
        "notifications.view_escalationpolicy": "See escalation policies (in the admin)",
        "notifications.add_escalationpolicy": "Add escalation policies",
        "notifications.change_escalationpolicy": "Change when overdue tasks escalate, and to whom",
        "notifications.delete_escalationpolicy": "Delete escalation policies",
    },
    "Imports": {
        "integrations.import_rows": "Import patients, appointments, enrollments and care plans from a "
        "spreadsheet (CSV or XLSX) or a FHIR bundle into the teams they work in",
        "integrations.import_appointments": "Import appointments from a spreadsheet into the teams "
        "they work in (front desk)",
    },
    "Audit": {
        "careplans.review_access_log": "Open the audit page: who viewed or changed the patients of the teams "
        "they manage, and its CSV export",
        "careplans.review_practice_access_log": "The audit page covers every patient of the practice "
        "(Compliance)",
    },
    "Admin: users and roles": {
        "accounts.view_user": "See users",
        "accounts.add_user": "Add users",
        "accounts.change_user": "Change users: names, roles, admin access, deactivation",
        "auth.view_group": "See roles",
        "auth.add_group": "Add roles",
        "auth.change_group": "Change roles and their rights",
        "accounts.view_careteamuserobjectpermission": "See who works in and manages which team",
        "accounts.add_careteamuserobjectpermission": "Grant team rights (Member, Manager)",
        "accounts.change_careteamuserobjectpermission": "Change a team right",
        "accounts.delete_careteamuserobjectpermission": "Revoke team rights",
    },
    "Admin: sign-in": {
        "axes.view_accessattempt": "See the failed-login counters and who is locked out",
        "axes.delete_accessattempt": "Unlock a username or an address (delete its counters)",
        "axes.view_accessfailurelog": "Read every failed login, with its username and address",
    },
    "Admin: care teams and locations": {
        "accounts.view_careteam": "See care teams",
        "accounts.add_careteam": "Add care teams",
        "accounts.change_careteam": "Rename care teams and move them between locations",
        "accounts.view_location": "See locations",
        "accounts.add_location": "Add locations",
        "accounts.change_location": "Rename locations",
    },
    "Admin: programs and templates": {
        "careplans.view_program": "See programs",
        "careplans.add_program": "Add programs",
        "careplans.change_program": "Change programs",
        "careplans.view_careplantemplate": "See care plan templates",
        "careplans.add_careplantemplate": "Add care plan templates",
        "careplans.change_careplantemplate": "Change care plan templates",
        "careplans.view_templatetask": "See a template's tasks",
        "careplans.add_templatetask": "Add tasks to a template",
        "careplans.change_templatetask": "Change a template's tasks",
        "careplans.delete_templatetask": "Remove tasks from a template",
        "careplans.view_holiday": "See the practice's holidays",
        "careplans.add_holiday": "Add holidays (business-day due dates skip them)",
        "careplans.change_holiday": "Change holidays",
        "careplans.delete_holiday": "Remove holidays",
    },
    "Admin: audit": {
        "careplans.view_patientaccesslog": "Read the patient access log: who opened which record, when",
        "careplans.hear_emergency_access": "Hear in the inbox of every emergency access: who opened "
        "which patient outside their teams, and why",
        "careplans.view_emergencyaccess": "See the emergency accesses (in the admin)",
    },
}


def offered_rights():
    """RIGHTS with their Permission rows, in one query: [(area, [(permission, line), ...]), ...].
    A right a role holds that RIGHTS does not describe still shows, under "Other", by its
    Django name; rights not yet in the database (an app not migrated) are left out."""
    from django.contrib.auth.models import Permission

    lines = {code: line for area in RIGHTS.values() for code, line in area.items()}
    undescribed = sorted({code for codes in ROLE_PERMISSIONS.values() for code in codes} - set(lines))
    codes = [*lines, *undescribed]
    found = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.filter(
            codename__in=[code.split(".")[1] for code in codes]
        ).select_related("content_type")
    }
    areas = [*RIGHTS.items(), ("Other", {code: "" for code in undescribed})]
    return [
        (area, [(found[code], line or found[code].name) for code, line in rights.items() if code in found])
        for area, rights in areas
        if any(code in found for code in rights)
    ]


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
