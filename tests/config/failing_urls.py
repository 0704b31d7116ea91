"""config.urls plus one view that fails after loading a patient: the shape of an unhandled
server error on a page that holds PHI."""

from django.urls import include, path

from careplans.access import get_patient_for_user


def failing_patient_view(request, pk):
    patient = get_patient_for_user(request.user, pk)
    raise RuntimeError(f"forced failure while rendering patient #{patient.pk}")


urlpatterns = [
    path("test-only/failing/<int:pk>/", failing_patient_view, name="failing_patient"),
    path("", include("config.urls")),
]
