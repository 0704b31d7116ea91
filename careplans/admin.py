from django import forms
from django.contrib import admin, messages
from django.db import models
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

from accounts.admin_base import HistoryAdmin, OperatorOnlyMixin, ReadOnlyMixin, RoleChoiceMixin
from careplans.admin_search import IndexedSearchMixin
from careplans.models import (
    Appointment,
    CarePlan,
    CarePlanTemplate,
    DueAnchor,
    EmergencyAccess,
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
class ProgramAdmin(HistoryAdmin):
    list_display = ["name", "code", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


class TemplateTaskForm(forms.ModelForm):
    """Short labels that read along a row ("Due [2] days after [Plan start]"); what they mean is
    said once, above the tasks (CarePlanTemplateAdmin)."""

    class Meta:
        model = TemplateTask
        fields = [
            "position",
            "title",
            "priority",
            "kind",
            "assignee_group",
            "depends_on",
            "due_offset_days",
            "due_offset_unit",
            "due_anchor",
            "recurrence_days",
            "recurrence_count",
        ]
        labels = {
            "position": "Step",
            "kind": "Type",
            "due_offset_days": "Due (days; negative: before)",
            "due_offset_unit": "counted in",
            "due_anchor": "from",
            "recurrence_days": "Repeats every (days)",
            "recurrence_count": "Times in all",
            "depends_on": "Waits for",
        }
        help_texts = {"assignee_group": "", "recurrence_days": "", "recurrence_count": ""}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)


class TemplateTaskInline(RoleChoiceMixin, admin.StackedInline):
    """One compact block per task, its fields in rows that fit a 1280 px screen
    (static/css/admin.css), and its due rule read back in words."""

    role_fields = ("assignee_group",)
    model = TemplateTask
    form = TemplateTaskForm
    fk_name = "template"
    extra = 1
    fields = [
        ("position", "title", "priority"),
        ("kind", "assignee_group", "depends_on"),
        ("due_offset_days", "due_offset_unit", "due_anchor"),
        ("recurrence_days", "recurrence_count"),
        "due_rule_display",
    ]
    readonly_fields = ["due_rule_display"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A dependency may only name a task of the same template.
        if db_field.name == "depends_on":
            template_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = TemplateTask.objects.filter(template_id=template_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Due rule, as saved")
    def due_rule_display(self, obj) -> str:
        """The saved rule in words, as the intake preview dates it (tasks.intake.preview): "2 days
        after plan start, then every 30 days until the plan ends"."""
        if obj is None or obj.pk is None:
            return "Shown in words once saved."
        rule = obj.due_rule_text
        if obj.due_anchor == DueAnchor.NEXT_APPOINTMENT:
            rule += " (plan start if none is booked)"
        if obj.recurrence_days:
            every = "day" if obj.recurrence_days == 1 else f"{obj.recurrence_days} days"
            times = (
                f", {obj.recurrence_count} times in all" if obj.recurrence_count else " until the plan ends"
            )
            rule += f", then every {every}{times}"
        return rule


@admin.register(CarePlanTemplate)
class CarePlanTemplateAdmin(HistoryAdmin):
    list_display = ["name", "program", "is_active"]
    list_select_related = ["program"]
    list_filter = ["program", "is_active"]
    search_fields = ["name"]
    inlines = [TemplateTaskInline]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3})}}
    fieldsets = [
        (
            None,
            {
                "fields": ["program", "name", "description", "is_active"],
                "description": "Applying the template to a patient creates one task per step below. "
                "A member of the patient's care team in the step's role owns it (the one with the "
                "least open work; the primary provider first if they hold the role). Due counts "
                "days from the plan start or from the patient's next appointment (the plan start "
                "if none is booked); a negative number counts back. Repeats: empty for a one-off "
                "task; times in all empty repeats until the plan ends.",
            },
        )
    ]


@admin.register(Holiday)
class HolidayAdmin(HistoryAdmin):
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
class PatientAdmin(OperatorOnlyMixin, HistoryAdmin):
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
class CarePlanAdmin(OperatorOnlyMixin, HistoryAdmin):
    list_display = ["pk", "patient", "program", "status", "starts_on", "author"]
    list_select_related = ["patient", "program", "author"]
    list_filter = ["status", "program"]
    search_fields = ["=patient__mrn"]
    autocomplete_fields = ["patient", "author", "program"]
    show_full_result_count = False
    inlines = [GoalInline]


@admin.register(Appointment)
class AppointmentAdmin(OperatorOnlyMixin, HistoryAdmin):
    list_display = ["starts_at", "patient", "provider", "kind", "source"]
    list_select_related = ["patient", "provider"]
    list_filter = ["source"]
    search_fields = ["=patient__mrn", "=external_id"]
    autocomplete_fields = ["patient", "provider"]
    show_full_result_count = False


@admin.register(PatientAccessLog)
class PatientAccessLogAdmin(IndexedSearchMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "viewed_at",
        "user",
        "patient_id",
        "reason",
        "outcome",
        "patient_count",
        "address",
        "path",
    ]
    list_select_related = ["user"]
    search_fields = ["=patient__mrn", "=user__username"]
    search_help_text = "The patient's MRN, or the username"
    search_patient, search_user = "patient", "user"
    raw_id_fields = ["patient", "user"]


@admin.register(EmergencyAccess)
class EmergencyAccessAdmin(IndexedSearchMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Break the glass, for Compliance: who opened which patient outside their teams, why, until
    when. Granted only in the app (careplans.emergency); never edited or deleted."""

    list_display = ["granted_at", "user", "patient_id", "expires_at", "reason"]
    list_select_related = ["user"]
    search_fields = ["=patient__mrn", "=user__username"]
    search_help_text = "The patient's MRN, or the username"
    search_patient, search_user = "patient", "user"
    raw_id_fields = ["patient", "user"]
