"""The role editor: a role (a Django group) offers the product's rights, grouped by area and each
described in a line (accounts.roles.RIGHTS), instead of Django's model permissions. Registered
from accounts/admin.py, where Django looks for admin modules."""

from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db.models import Count
from django.utils.html import format_html_join

from accounts.roles import offered_rights


class RightsWidget(forms.CheckboxSelectMultiple):
    """The product's rights as checkboxes, one fieldset per area."""

    template_name = "accounts/widgets/rights.html"


class RoleForm(forms.ModelForm):
    """A role is a group: a name and the product's rights, each described in a line. Django's
    own model permissions are no choice here; any the group already holds outside the list (an
    operator's doing) are kept as they are."""

    rights = forms.MultipleChoiceField(required=False, widget=RightsWidget, label="Rights")

    class Meta:
        model = Group
        fields = ["name"]
        labels = {"name": "Role name"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        areas = offered_rights()
        self.offered = {permission.pk for _area, rights in areas for permission, _line in rights}
        self.fields["rights"].choices = [
            (area, [(permission.pk, line) for permission, line in rights]) for area, rights in areas
        ]
        if self.instance.pk:
            held = self.instance.permissions.values_list("pk", flat=True)
            self.initial["rights"] = [pk for pk in held if pk in self.offered]

    def _save_m2m(self):
        super()._save_m2m()
        chosen = {int(pk) for pk in self.cleaned_data["rights"]}
        kept = set(self.instance.permissions.exclude(pk__in=self.offered).values_list("pk", flat=True))
        self.instance.permissions.set(chosen | kept)


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(admin.ModelAdmin):
    form = RoleForm
    list_display = ["name", "people", "right_count"]
    search_fields = ["name"]
    readonly_fields = ["other_rights", "held_rights"]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Roles", **(extra_context or {})})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        title = "Change role" if object_id else "Add role"
        if object_id and request.user.groups.filter(pk=object_id).exists() and not request.user.is_superuser:
            title = "Your role"
        return super().changeform_view(
            request, object_id, form_url, {"title": title, **(extra_context or {})}
        )

    def has_change_permission(self, request, obj=None):
        """A role the practice admin holds is read-only to them: nobody raises their own rights."""
        if (
            obj is not None
            and not request.user.is_superuser
            and request.user.groups.filter(pk=obj.pk).exists()
        ):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        changeable = self.has_change_permission(request, obj)
        fields = ["name", "rights" if changeable else "held_rights"]
        if obj is not None and self._other_rights(obj):
            fields.append("other_rights")
        description = (
            "A role is what its people may do; whose patients comes from each person's care team "
            "rights. Admin rights work only for people with Uses the admin ticked on their user page."
        )
        if not changeable:
            description = "You hold this role, so another admin or the operator changes its rights."
        return [(None, {"fields": fields, "description": description})]

    @admin.display(description="Rights")
    def held_rights(self, obj):
        held = set(obj.permissions.values_list("pk", flat=True))
        lines = [(area, line) for area, rights in offered_rights() for p, line in rights if p.pk in held]
        return format_html_join("", "<div>{}: {}</div>", lines) if lines else "None"

    def _other_rights(self, obj) -> list[str]:
        offered = [permission.pk for _area, rights in offered_rights() for permission, _line in rights]
        return [str(p) for p in obj.permissions.exclude(pk__in=offered).select_related("content_type")]

    @admin.display(description="Other permissions (kept)")
    def other_rights(self, obj):
        return format_html_join("", "<div>{}</div>", ((name,) for name in self._other_rights(obj)))

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                people_count=Count("user", distinct=True), right_count=Count("permissions", distinct=True)
            )
        )

    @admin.display(description="People", ordering="people_count")
    def people(self, obj):
        return obj.people_count

    @admin.display(description="Rights", ordering="right_count")
    def right_count(self, obj):
        return obj.right_count
