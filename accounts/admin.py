from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Permission
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import CareTeam, CareTeamUserObjectPermission, Location, User
from accounts.scope import MANAGE, WORK


class MembershipForm(forms.ModelForm):
    """Membership is a guardian permission row; only the two team rights may be chosen."""

    class Meta:
        model = CareTeamUserObjectPermission
        fields = ["user", "content_object", "permission"]
        labels = {"content_object": "Care team", "permission": "Right"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permission"].queryset = Permission.objects.filter(
            content_type__app_label="accounts", codename__in=[WORK, MANAGE]
        )
        self.fields["permission"].label_from_instance = lambda p: (
            "Member" if p.codename == WORK else "Manager"
        )


class TeamMembershipInline(admin.TabularInline):
    model = CareTeamUserObjectPermission
    form = MembershipForm
    fk_name = "content_object"
    extra = 1
    autocomplete_fields = ["user"]
    verbose_name = "member"
    verbose_name_plural = "members and managers"


class UserMembershipInline(TeamMembershipInline):
    fk_name = "user"
    autocomplete_fields = ["content_object"]
    verbose_name_plural = "care team rights"


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role_names", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "groups"]
    inlines = [UserMembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def role_names(self, obj):
        return ", ".join(group.name for group in obj.groups.all())


@admin.register(Location)
class LocationAdmin(SimpleHistoryAdmin):
    search_fields = ["name"]


@admin.register(CareTeam)
class CareTeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "location"]
    list_select_related = ["location"]
    list_filter = ["location"]
    search_fields = ["name"]
    inlines = [TeamMembershipInline]


@admin.register(CareTeamUserObjectPermission)
class MembershipAdmin(SimpleHistoryAdmin):
    form = MembershipForm
    list_display = ["user", "content_object", "permission"]
    list_select_related = ["user", "content_object", "permission"]
    list_filter = ["content_object", "permission"]
    search_fields = ["user__username", "user__last_name", "content_object__name"]
    autocomplete_fields = ["user", "content_object"]


class ReadOnlyMixin:
    """Audit records and action-managed rows: visible to admins, editable by nobody here."""

    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RoleChoiceMixin:
    """For a model that refers to a role (a group): the role is chosen from a list, never added,
    changed or deleted from that form; roles are edited under Groups."""

    role_fields: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in self.role_fields and field is not None:
            widget = field.widget
            widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
        return field
