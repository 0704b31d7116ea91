from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import ReadOnlyMixin, RoleChoiceMixin
from careplans.admin_search import IndexedSearchMixin
from careplans.models import (
    Appointment,
    CarePlan,
    CarePlanTemplate,
    Enrollment,
    Goal,
    Holiday,
    Patient,
    PatientAccessLog,
    PatientUserObjectPermission,
    Program,
    TemplateTask,
)


@admin.register(Program)
class ProgramAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


class TemplateTaskInline(RoleChoiceMixin, admin.TabularInline):
    role_fields = ("assignee_group",)
    model = TemplateTask
    fk_name = "template"
    extra = 1
    fields = [
        "position",
        "title",
        "kind",
        "assignee_group",
        "due_anchor",
        "due_offset_days",
        "due_offset_unit",
        "recurrence_days",
        "recurrence_count",
        "priority",
        "depends_on",
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A dependency may only name a task of the same template.
        if db_field.name == "depends_on":
            template_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = TemplateTask.objects.filter(template_id=template_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CarePlanTemplate)
class CarePlanTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["name", "program", "is_active"]
    list_select_related = ["program"]
    list_filter = ["program", "is_active"]
    search_fields = ["name"]
    inlines = [TemplateTaskInline]


@admin.register(Holiday)
class HolidayAdmin(SimpleHistoryAdmin):
    """The days the practice is closed: due dates counted in business days skip them."""

    list_display = ["date", "name"]
    date_hierarchy = "date"
    search_fields = ["name"]


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    extra = 0
    autocomplete_fields = ["program"]


class PatientGrantInline(admin.TabularInline):
    model = PatientUserObjectPermission
    fk_name = "content_object"
    extra = 0
    autocomplete_fields = ["user"]
    verbose_name = "one-by-one grant"
    verbose_name_plural = "one-by-one grants (consulting providers, restricted patients)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "permission":
            from django.contrib.auth.models import Permission

            kwargs["queryset"] = Permission.objects.filter(
                content_type__app_label="careplans", codename="view_patient"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Patient)
class PatientAdmin(SimpleHistoryAdmin):
    list_display = ["mrn", "last_name", "first_name", "care_team", "risk_level", "is_restricted"]
    list_select_related = ["care_team"]
    list_filter = ["care_team", "location", "risk_level", "is_restricted"]
    search_fields = ["=mrn", "last_name"]
    autocomplete_fields = ["primary_provider", "care_team", "location"]
    show_full_result_count = False
    inlines = [EnrollmentInline, PatientGrantInline]
    actions = ["transfer"]

    # A patient's team is chosen when the record is added; after that it changes only by a
    # transfer, which moves the patient's tasks and gives their open ones owners in the new team.
    def get_readonly_fields(self, request, obj=None):
        return ["care_team_and_transfer"] if obj else []

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "care_team_and_transfer"]
        return [("care_team_and_transfer" if f == "care_team" else f) for f in fields] if obj else fields

    @admin.display(description="Care team")
    def care_team_and_transfer(self, obj):
        return format_html(
            '{} · <a href="{}">Transfer to another team</a>',
            obj.care_team,
            reverse("patient_transfer", args=[obj.pk]),
        )

    @admin.action(description="Transfer to another team", permissions=["change"])
    def transfer(self, request, queryset):
        chosen = list(queryset.values_list("pk", flat=True)[:2])
        if len(chosen) != 1:
            self.message_user(
                request, "Choose one patient: each moves with its own tasks and owners.", messages.WARNING
            )
            return None
        return redirect("patient_transfer", chosen[0])


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0


@admin.register(CarePlan)
class CarePlanAdmin(SimpleHistoryAdmin):
    list_display = ["pk", "patient", "program", "status", "starts_on", "author"]
    list_select_related = ["patient", "program", "author"]
    list_filter = ["status", "program"]
    search_fields = ["=patient__mrn"]
    autocomplete_fields = ["patient", "author", "program"]
    show_full_result_count = False
    inlines = [GoalInline]


@admin.register(Appointment)
class AppointmentAdmin(SimpleHistoryAdmin):
    list_display = ["starts_at", "patient", "provider", "kind", "source"]
    list_select_related = ["patient", "provider"]
    list_filter = ["source"]
    search_fields = ["=patient__mrn", "=external_id"]
    autocomplete_fields = ["patient", "provider"]
    show_full_result_count = False


@admin.register(PatientAccessLog)
class PatientAccessLogAdmin(IndexedSearchMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["viewed_at", "user", "patient_id", "path"]
    list_select_related = ["user"]
    search_fields = ["=patient__mrn", "=user__username"]
    search_help_text = "The patient's MRN, or the username"
    search_patient, search_user = "patient", "user"
    raw_id_fields = ["patient", "user"]
