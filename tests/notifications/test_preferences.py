import pytest
from django.urls import reverse

from notifications.models import Delivery, NotificationPreference


def test_defaults_show_until_a_preference_is_saved(client, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("notification_preferences"))

    assert response.status_code == 200
    form = response.context["form"]
    assert (form["delivery"].value(), form["digest_hour"].value()) == (Delivery.DIGEST, 7)
    assert not NotificationPreference.objects.exists()


def test_user_chooses_immediate_email(client, coordinator):
    client.force_login(coordinator)

    response = client.post(
        reverse("notification_preferences"), {"delivery": Delivery.IMMEDIATE, "digest_hour": "9"}
    )

    assert response.status_code == 302 and response["Location"] == reverse("inbox")
    preference = NotificationPreference.objects.get(user=coordinator)
    assert (preference.delivery, preference.digest_hour) == (Delivery.IMMEDIATE, 9)
    history = preference.history.get()
    assert history.history_user == coordinator


def test_saving_again_changes_the_same_row(client, coordinator):
    client.force_login(coordinator)
    for hour in ("6", "18"):
        client.post(reverse("notification_preferences"), {"delivery": Delivery.DIGEST, "digest_hour": hour})

    assert NotificationPreference.objects.get(user=coordinator).digest_hour == 18
    assert NotificationPreference.history.filter(user_id=coordinator.pk).count() == 2


@pytest.mark.parametrize(
    "data", [{"delivery": "sms", "digest_hour": "7"}, {"delivery": "digest", "digest_hour": "24"}, {}]
)
def test_invalid_choice_is_refused(client, coordinator, data):
    client.force_login(coordinator)

    response = client.post(reverse("notification_preferences"), data)

    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_a_preference_is_only_ever_the_users_own(client, coordinator, colleague):
    client.force_login(colleague)
    client.post(
        reverse("notification_preferences"),
        {"delivery": Delivery.OFF, "digest_hour": "7", "user": coordinator.pk},
    )

    assert list(NotificationPreference.objects.values_list("user", "delivery")) == [
        (colleague.pk, Delivery.OFF)
    ]
