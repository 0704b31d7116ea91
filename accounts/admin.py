import logging

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Permission
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.html import format_html_join

from accounts import role_admin  # noqa: F401  (registers the role editor, Groups, in its own module)
from accounts.actions import SELF_GRANT_REFUSED, grant_team_right, may_grant_to, revoke_team_right
from accounts.admin_base import HistoryAdmin, OperatorOnlyMixin, ReadOnlyMixin, RoleChoiceMixin  # noqa: F401 (re-exported)
from accounts.models import (
    CareTeam,
    CareTeamUserObjectPermission,
    Location,
    TeamRight,
    User,
    team_right_in_words,
)
from accounts.scope import held_rights

RIGHT_IN_WORDS = {
    TeamRight.MEMBER: "Member: works the team's patients and tasks",
    TeamRight.MANAGER: "Manager: works in the team and manages it (its dashboard, reassigning, reopening)",
}

security_log = logging.getLogger("accounts.security")


# A membership history row's type, as the user page's team rights history says it.
HISTORY_VERBS = {"+": "granted", "-": "revoked", "~": "changed"}


class TeamRightForm(forms.ModelForm):
    """A team right in words: a care team, and Member or Manager. The row is a guardian
    permission on the team; only the two team rights may be chosen."""

    class Meta:
        model = CareTeamUserObjectPermission
        fields = ["user", "content_object", "permission"]
        labels = {"content_object": "Care team", "permission": "Right"}
        widgets = {"permission": forms.RadioSelect}
        error_messages = {NON_FIELD_ERRORS: {"unique_together": "This right on this team is held already."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        right = self.fields["permission"]
        right.queryset = Permission.objects.filter(
            content_type__app_label="accounts", codename__in=TeamRight.values
        ).order_by("-codename")
        right.label_from_instance = lambda permission: RIGHT_IN_WORDS[permission.codename]
        if not self.instance.pk:
            right.initial = right.queryset.filter(codename=TeamRight.MEMBER).first()

    def clean(self):
        data = super().clean()
        editor = getattr(self, "editor", None)
        if editor is not None and self.has_changed() and not may_grant_to(editor, data.get("user")):
            raise forms.ValidationError(SELF_GRANT_REFUSED)
        return data


class TeamRightInline(RoleChoiceMixin, admin.TabularInline):
    model = CareTeamUserObjectPermission
    form = TeamRightForm
    extra = 1
    role_fields = ("content_object",)  # a care team from the list, never edited from here

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "content_object", "permission")

    def get_formset(self, request, obj=None, **kwargs):
        """Each row's form knows who edits it, to refuse a right granted to themselves."""
        kwargs["form"] = type(self.form.__name__, (self.form,), {"editor": request.user})
        return super().get_formset(request, obj, **kwargs)


class TeamMembershipInline(TeamRightInline):
    fk_name = "content_object"
    autocomplete_fields = ["user"]
    role_fields = ("user",)
    verbose_name = "member or manager"
    verbose_name_plural = "members and managers"


class UserTeamRightsInline(TeamRightInline):
    fk_name = "user"
    verbose_name = "care team right"
    verbose_name_plural = "care team rights"

    # On a practice admin's own page their team rights are shown, never changed.
    def has_add_permission(self, request, obj=None):
        return self._not_own(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._not_own(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._not_own(request, obj) and super().has_delete_permission(request, obj)

    @staticmethod
    def _not_own(request, obj) -> bool:
        return obj is None or request.user.is_superuser or obj.pk != request.user.pk


def _grant(row, by) -> None:
    grant_team_right(user=row.user, team=row.content_object, right=row.permission.codename, by=by)


def _revoke(row, by) -> None:
    revoke_team_right(user=row.user, team=row.content_object, right=row.permission.codename, by=by)


class TeamRightWritesMixin:
    """Team rights edited in an inline are written by accounts.actions (grant and revoke, with
    the admin's name in the membership history), never by the form's own save. A changed row is
    the old right revoked and the new one granted."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not CareTeamUserObjectPermission:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for row in formset.deleted_objects:
            _revoke(row, request.user)
        for row, _fields in formset.changed_objects:
            _revoke(
                CareTeamUserObjectPermission.objects.select_related("permission").get(pk=row.pk), request.user
            )
            _grant(row, request.user)
        for row in formset.new_objects:
            _grant(row, request.user)


def _in_lines(rows) -> str:
    return format_html_join("", "<div>{}</div>", ((row.in_words,) for row in rows))


def titled(title: str, base=admin.RelatedFieldListFilter):
    """A list filter of `base` headed "By <title>" instead of the field's own name."""

    class Titled(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


# The user fields only the operator's superuser sets.
OPERATOR_FIELDS = ("is_staff", "is_superuser", "user_permissions")


def is_admin_of_others(account, user) -> bool:
    """Whether `account` is the operator's or another admin's (staff), not `user`'s own."""
    return account.is_superuser or (account.is_staff and account.pk != user.pk)


@admin.register(User)
class UserAdmin(TeamRightWritesMixin, RoleChoiceMixin, DjangoUserAdmin, HistoryAdmin):
    role_fields = ("groups",)
    list_display = [
        "username",
        "first_name",
        "last_name",
        "role_names",
        "team_rights_list",
        "is_active",
        "uses_admin",
    ]
    list_filter = [
        "is_active",
        ("is_staff", titled("uses the admin", admin.BooleanFieldListFilter)),
        ("groups", titled("role")),
    ]
    filter_horizontal = ["user_permissions"]
    readonly_fields = ["team_rights", "team_rights_history", "last_login", "date_joined"]
    inlines = [UserTeamRightsInline]
    # A new person in one step: sign-in, name, role, and (in the inline) their care team.
    add_fieldsets = [
        (None, {"fields": ["username", "usable_password", "password1", "password2"]}),
        ("Personal info", {"fields": ["first_name", "last_name", "email"]}),
        ("Role", {"fields": ["groups", "is_staff"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("groups", Prefetch("careteamuserobjectpermission_set", held_rights(), "held"))
        )

    def _change_fieldsets(self, request, obj):
        operator = request.user.is_superuser
        # A practice admin sees Uses the admin, never changes it; nor their own roles.
        own = obj.pk == request.user.pk
        roles = "groups" if operator or not own else "role_names"
        # Nobody deactivates their own account: the practice would be left without its admin.
        active = "is_active" if not own else "active_text"
        fieldsets = [
            (None, {"fields": ["username", "password"]}),
            ("Personal info", {"fields": ["first_name", "last_name", "email"]}),
            (
                "Role and teams",
                {
                    "fields": [active, roles, "team_rights", "is_staff" if operator else "uses_admin"],
                    "description": "The role says what the person may do; their care team rights "
                    "(below) say whose patients. Untick Active when someone leaves: their history stays.",
                },
            ),
            ("History", {"fields": ["team_rights_history", "last_login", "date_joined"]}),
        ]
        if operator:
            fieldsets.append(
                (
                    "Operator only",
                    {
                        "fields": ["is_superuser", "user_permissions"],
                        "classes": ["collapse"],
                        "description": "Break-glass for the operator: every right, and Django's model "
                        "permissions one by one. Practice staff get rights from their role.",
                    },
                )
            )
        return fieldsets

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "groups":
            field.label = "Roles"
            field.help_text = "Roles are edited under Groups."
        elif db_field.name == "is_staff":
            field.label = "Uses the admin"
            field.help_text = (
                "Can sign in to this admin (the Admin role). People who only work in the app leave it off."
            )
        return field

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self._add_fieldsets(request)
        return self._change_fieldsets(request, obj)

    def _add_fieldsets(self, request):
        """Uses the admin is ticked by the operator only (manage.py create_admin, or the
        superuser): an admin cannot make more admins, or a user they could sign in as."""
        if request.user.is_superuser:
            return self.add_fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "is_staff"]})
            for name, options in self.add_fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "uses_admin", "role_names", "active_text"]

    actions = ["reset_two_factor"]

    @admin.action(description="Reset two-factor sign-in (lost phone and recovery codes)")
    def reset_two_factor(self, request, queryset):
        """A person who lost both their phone and their recovery codes sets up a new app at their
        next sign-in. Never one's own (another admin does it), nor accounts this admin may not
        change (the operator's, other admins')."""
        from django_otp import devices_for_user

        done = []
        for user in queryset:
            if user.pk == request.user.pk or not self.has_change_permission(request, user):
                self.message_user(request, f"{user.username}: not yours to reset.", level=messages.ERROR)
                continue
            for device in devices_for_user(user, confirmed=None):
                device.delete()
            security_log.info("two-factor reset: user %s by %s", user.pk, request.user.pk)
            done.append(user.username)
        if done:
            self.message_user(
                request,
                f"Two-factor sign-in reset for {', '.join(done)}: they set up an app at next sign-in.",
            )

    @admin.display(description="Active")
    def active_text(self, obj):
        return "Yes (your own account: another admin deactivates it)" if obj.is_active else "No"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A form that carries what a practice admin is never offered (the operator's flags, or
        roles on their own page) was made by hand: refused whole, nothing saved."""
        if request.method == "POST" and not request.user.is_superuser:
            refused = set(OPERATOR_FIELDS)
            if object_id is not None and str(object_id) == str(request.user.pk):
                refused.add("groups")
            if refused & set(request.POST):
                raise PermissionDenied
        return super().changeform_view(request, object_id, form_url, extra_context)

    def has_change_permission(self, request, obj=None):
        """The accounts of the operator's superuser and of the other admins are the operator's: a
        practice admin may see them, never change them or their password (signing in as another
        admin would let them raise their own rights)."""
        if obj is not None and not request.user.is_superuser and is_admin_of_others(obj, request.user):
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description="Roles")
    def role_names(self, obj):
        return ", ".join(group.name for group in obj.groups.all())

    @admin.display(description="Care team rights")
    def team_rights_list(self, obj):
        return _in_lines(obj.held)

    @admin.display(description="Uses the admin", boolean=True, ordering="is_staff")
    def uses_admin(self, obj):
        return obj.is_staff

    @admin.display(description="Care team rights history")
    def team_rights_history(self, obj):
        """The last changes to the person's team rights, from the membership history (revoked
        rights included), newest first."""
        changes = (
            CareTeamUserObjectPermission.history.filter(user=obj)
            .select_related("content_object", "permission", "history_user")
            .order_by("-history_date")[:10]
        )
        lines = [
            (
                f"{timezone.localtime(change.history_date):%b %-d, %Y}",
                HISTORY_VERBS.get(change.history_type, change.history_type),
                team_right_in_words(change.permission.codename, change.content_object),
                change.history_user or "the system",
            )
            for change in changes
        ]
        if not lines:
            return "No change yet."
        return format_html_join("", "<div>{}: {} {}, by {}</div>", lines)

    @admin.display(description="Care team rights")
    def team_rights(self, obj):
        rows = list(held_rights().filter(user=obj))
        return _in_lines(rows) if rows else "None: sees no patient until given a care team right below."


@admin.register(Location)
class LocationAdmin(HistoryAdmin):
    search_fields = ["name"]


@admin.register(CareTeam)
class CareTeamAdmin(TeamRightWritesMixin, HistoryAdmin):
    list_display = ["name", "location"]
    list_select_related = ["location"]
    list_filter = ["location"]
    search_fields = ["name"]
    inlines = [TeamMembershipInline]


class TeamRightFilter(admin.SimpleListFilter):
    title = "right"
    parameter_name = "right"

    def lookups(self, request, model_admin):
        return TeamRight.choices

    def queryset(self, request, queryset):
        return queryset.filter(permission__codename=self.value()) if self.value() else queryset


@admin.register(CareTeamUserObjectPermission)
class MembershipAdmin(HistoryAdmin):
    """Who works in and manages which team, at a glance. Rights are granted on the user's or the
    team's page; revoking here goes through accounts.actions like there."""

    list_display = ["user", "in_words"]
    fields = ["user", "in_words"]
    readonly_fields = ["in_words"]
    list_filter = [("content_object", titled("care team", admin.RelatedOnlyFieldListFilter)), TeamRightFilter]
    search_fields = ["user__username", "user__first_name", "user__last_name", "content_object__name"]

    def get_queryset(self, request):
        return held_rights().select_related("user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        _revoke(obj, request.user)

    def delete_queryset(self, request, queryset):
        for row in queryset.select_related("user", "content_object", "permission"):
            _revoke(row, request.user)

    @admin.display(description="Right", ordering="content_object__name")
    def in_words(self, obj):
        return obj.in_words
