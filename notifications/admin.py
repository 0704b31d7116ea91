from django.contrib import admin

from accounts.admin_base import HistoryAdmin, OperatorOnlyMixin, ReadOnlyMixin, RoleChoiceMixin
from careplans.admin_search import IndexedSearchMixin
from notifications.models import EscalationPolicy, Notification, NotificationPreference


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(RoleChoiceMixin, HistoryAdmin):
    role_fields = ("second_level_group",)
    list_display = [
        "__str__",
        "first_level_after_days",
        "second_level_after_days",
        "second_level_group",
        "providers_hear_every_kind",
    ]
    list_select_related = ["program", "second_level_group"]
    list_filter = ["risk_level", "program"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(HistoryAdmin):
    list_display = ["user", "delivery", "digest_hour"]
    list_select_related = ["user"]
    list_filter = ["delivery"]
    search_fields = ["user__username", "user__last_name"]
    raw_id_fields = ["user"]


@admin.register(Notification)
class NotificationAdmin(OperatorOnlyMixin, IndexedSearchMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Read-only: notices are made by the jobs and read in the inbox."""

    list_display = ["created_at", "kind", "level", "recipient", "task_id", "day", "read_at", "emailed_at"]
    list_select_related = ["recipient"]
    list_filter = ["kind", "send_email"]
    search_fields = ["=task__id", "=recipient__username"]
    search_help_text = "Task id, or the recipient's username"
    search_id, search_user = "task_id", "recipient"
    ordering = ["-pk"]
    raw_id_fields = ["recipient", "task"]
