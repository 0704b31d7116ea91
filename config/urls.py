from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from accounts import twofactor_views
from accounts import views as account_views
from careplans import views as careplan_views
from config import health
from config.converters import IdConverter
from dashboards import views as dashboard_views
from integrations import calendar_views, import_views
from integrations.fhir import upload_views as fhir_upload_views
from integrations.fhir import views as fhir_views
from notifications import views as notification_views
from tasks import audit_views, patient_views, transfer_views
from tasks import views as task_views

register_converter(IdConverter, "id")

admin.site.site_header = "Followthrough administration"
admin.site.site_title = "Followthrough admin"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(template_name="accounts/password_change.html"),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path("session/", account_views.session_status, name="session_status"),
    path("session/extend/", account_views.session_extend, name="session_extend"),
    path("two-factor/", twofactor_views.overview, name="two_factor"),
    path("two-factor/verify/", twofactor_views.verify, name="two_factor_verify"),
    path("two-factor/setup/", twofactor_views.setup, name="two_factor_setup"),
    path("two-factor/setup/qr.svg", twofactor_views.qr_code, name="two_factor_qr"),
    path("two-factor/recovery-codes/", twofactor_views.recovery_codes, name="two_factor_recovery_codes"),
    path("two-factor/disable/", twofactor_views.disable, name="two_factor_disable"),
    path("patients/", careplan_views.patient_list, name="patient_list"),
    path("patients/search/", careplan_views.patient_search, name="patient_search"),
    path("patients/emergency/", careplan_views.emergency_access, name="emergency_access"),
    path("patients/<id:pk>/", patient_views.patient_detail, name="patient_detail"),
    path("patients/<id:pk>/care-plans/new/", patient_views.care_plan_intake, name="care_plan_intake"),
    path("patients/<id:pk>/tasks/new/", patient_views.task_create, name="task_create"),
    path("patients/<id:pk>/notes/", patient_views.patient_note_add, name="patient_note_add"),
    path("patients/<id:pk>/transfer/", transfer_views.patient_transfer, name="patient_transfer"),
    path("care-plans/<id:pk>/edit/", patient_views.care_plan_edit, name="care_plan_edit"),
    path("work/new-task/", patient_views.task_new_pick, name="task_new_pick"),
    path("work/", task_views.my_work, name="my_work"),
    path("queue/", task_views.team_queue, name="team_queue"),
    path("queue/export.csv", task_views.export_csv, name="queue_export"),
    path("queue/reassign/", task_views.bulk_reassign, name="bulk_reassign"),
    path("queue/cancel/", task_views.bulk_cancel, name="bulk_cancel"),
    path("queue/reschedule/", task_views.bulk_reschedule, name="bulk_reschedule"),
    path("queue/saved/", task_views.save_filter, name="saved_filter_create"),
    path("queue/saved/<id:pk>/delete/", task_views.delete_saved_filter, name="saved_filter_delete"),
    path("tasks/<id:pk>/", task_views.task_detail, name="task_detail"),
    path("tasks/<id:pk>/<slug:verb>/", task_views.task_action, name="task_action"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/export.csv", dashboard_views.dashboard_export, name="dashboard_export"),
    path("notifications/", notification_views.inbox, name="inbox"),
    path("notifications/badge/", notification_views.inbox_badge, name="inbox_badge"),
    path("notifications/<slug:kind>/<str:day>/", notification_views.inbox_group, name="inbox_group"),
    path("notifications/read/", notification_views.mark_read, name="notifications_read"),
    path("notifications/preferences/", notification_views.preferences, name="notification_preferences"),
    path("audit/", audit_views.audit_page, name="audit"),
    path("audit/export.csv", audit_views.audit_export, name="audit_export"),
    path("imports/", import_views.import_list, name="import_list"),
    path("imports/<id:pk>/", import_views.import_run, name="import_run"),
    path("imports/<id:pk>/mapping/", import_views.import_mapping, name="import_mapping"),
    path("imports/<id:pk>/preview/", import_views.import_preview, name="import_preview"),
    path("imports/<id:pk>/start/", import_views.import_start, name="import_start"),
    path("imports/<id:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("imports/<id:pk>/errors.csv", import_views.import_errors, name="import_errors"),
    # FHIR R4 (integrations/fhir): reads for a signed-in user, and the Bundle upload page.
    path("fhir/R4/Patient/<id:pk>/$everything", fhir_views.everything, name="fhir_everything"),
    path("fhir/R4/Task", fhir_views.task_search, name="fhir_task_search"),
    path("fhir/R4/CarePlan", fhir_views.care_plan_search, name="fhir_care_plan_search"),
    path("import/fhir/", fhir_upload_views.upload, name="fhir_upload"),
    # The personal calendar feed: its settings page, and the feed at its secret address.
    path("calendar/", calendar_views.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("ccm/", include("ccm.urls")),
    path("admin/", admin.site.urls),
]
