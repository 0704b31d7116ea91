from django.urls import reverse


def test_a_superuser_lands_in_the_admin_not_on_a_dashboard_of_no_team(client, superuser):
    """A superuser holds every right, the dashboard's included, but works in no team."""
    client.force_login(superuser)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
