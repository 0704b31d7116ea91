"""The admin's building blocks every app's admin shares: history read and never reverted,
read-only records, patient records kept to the operator, and role choices that open nothing."""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin, its history read and never reverted: a revert saves the whole
    past row (fields the form hides, such as Uses the admin, or a revoked team right) and asks
    for no right to change. Changes go through the forms and the actions."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True


class ReadOnlyMixin:
    """Audit records and action-managed rows: visible to admins, editable by nobody here."""

    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OperatorOnlyMixin:
    """Patient records (patients, plans, tasks, timelines, notices, and their history): absent
    from the admin for everyone but the operator's superuser. A practice admin administers
    people, roles, teams and templates; patients are seen in the app, through the care team
    scope and the access log, never through a side door with neither."""

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args, **kwargs):
        return request.user.is_superuser and super().has_add_permission(request, *args, **kwargs)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class RoleChoiceMixin:
    """For a model that refers to a role (a group), or a team right to its team or person: chosen
    from a list, never added, changed, deleted or opened from that form; roles are edited under
    Groups, teams and people on their own pages."""

    role_fields: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in self.role_fields and field is not None:
            widget = field.widget
            widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
            widget.can_view_related = False
        return field
