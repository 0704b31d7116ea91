from django.contrib import admin

from accounts.admin_base import HistoryAdmin, OperatorOnlyMixin, ReadOnlyMixin
from careplans.admin_search import IndexedSearchMixin
from tasks.models import Activity, Task


class ActivityInline(admin.TabularInline):
    model = Activity
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "from_owner", "to_owner", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "from_owner", "to_owner")


@admin.register(Task)
class TaskAdmin(OperatorOnlyMixin, IndexedSearchMixin, ReadOnlyMixin, HistoryAdmin):
    """Read-only: tasks are created and changed in the app, through tasks/actions.py, so every
    change is checked, versioned and recorded on the timeline."""

    list_display = ["pk", "title", "patient", "owner", "status", "due_on", "care_team"]
    list_select_related = ["patient", "owner", "care_team"]
    list_filter = ["status", "kind", "care_team"]
    search_fields = ["=id", "=patient__mrn"]  # the search box; IndexedSearchMixin runs it
    search_help_text = "Task id, or the patient's MRN"
    search_id, search_patient = "pk", "patient"
    ordering = ["-pk"]
    raw_id_fields = ["patient", "care_plan", "owner", "depends_on", "previous_occurrence"]
    inlines = [ActivityInline]


@admin.register(Activity)
class ActivityAdmin(OperatorOnlyMixin, IndexedSearchMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "task_id", "actor"]
    list_select_related = ["actor"]
    list_filter = ["kind"]
    search_fields = ["=task__id", "=patient__mrn"]
    search_help_text = "Task id, or the patient's MRN"
    search_id, search_patient = "task_id", "patient"
    ordering = ["-pk"]
    raw_id_fields = ["task", "patient", "actor", "from_owner", "to_owner"]
