from django.urls import path

from ccm import views

# Names without a namespace, like every other page's (tests/config/test_urls.py reverses them).
urlpatterns = [
    path("", views.worklist, name="ccm_worklist"),
    path("tiles/", views.dashboard_tiles, name="ccm_dashboard_tiles"),
    path("patients/<id:pk>/consent/", views.consent_record, name="ccm_consent"),
    path("patients/<id:pk>/consent/revoke/", views.consent_revoke, name="ccm_consent_revoke"),
    path("patients/<id:pk>/time/", views.time_add, name="ccm_time_add"),
    path("patients/<id:pk>/print/", views.patient_print, name="ccm_patient_print"),
    path("time/<id:pk>/", views.time_edit, name="ccm_time_edit"),
    path("tasks/<id:pk>/timer/<slug:verb>/", views.timer, name="ccm_timer"),
    path("care-plans/<id:pk>/checklist/", views.plan_checklist, name="ccm_checklist"),
    path("billing/", views.billing_page, name="ccm_billing"),
    path("billing/export.csv", views.billing_export, name="ccm_billing_export"),
]
