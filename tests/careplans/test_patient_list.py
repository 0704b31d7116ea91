import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from tests.factories import PatientFactory


@pytest.fixture
def patients(team, other_team, provider):
    return {
        "ada": PatientFactory(care_team=team, first_name="Ada", last_name="Lovelace", mrn="A100"),
        "alan": PatientFactory(care_team=team, first_name="Alan", last_name="Turing", mrn="A200"),
        "grace": PatientFactory(
            care_team=team, first_name="Grace", last_name="Hopper", mrn="A300", primary_provider=provider
        ),
        "hidden": PatientFactory(care_team=team, first_name="Hedy", last_name="Lamarr", is_restricted=True),
        "elsewhere": PatientFactory(care_team=other_team, first_name="Ada", last_name="Byron", mrn="B100"),
    }


def _listed(client, **params) -> list[str]:
    response = client.get(reverse("patient_list"), params)
    assert response.status_code == 200
    return [p.last_name for p in response.context["page"]]


def test_lists_own_teams_patients_by_name(client, coordinator, patients):
    client.force_login(coordinator)

    assert _listed(client) == ["Hopper", "Lovelace", "Turing"]


def test_restricted_patient_is_listed_only_for_a_granted_user(client, coordinator, patients):
    assign_perm("careplans.view_patient", coordinator, patients["hidden"])
    client.force_login(coordinator)

    assert "Lamarr" in _listed(client)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lov", ["Lovelace"]),
        ("ALAN", ["Turing"]),
        ("a100", ["Lovelace"]),
        ("A1", ["Lovelace"]),
        ("Ada", ["Lovelace"]),
    ],
)
def test_search_by_name_or_mrn_part_within_scope(client, coordinator, patients, query, expected):
    client.force_login(coordinator)

    assert _listed(client, q=query) == expected


def test_search_never_reaches_another_teams_patient(client, coordinator, patients):
    client.force_login(coordinator)

    assert _listed(client, q="B100") == []
    assert _listed(client, q="Byron") == []


def test_no_match_says_so(client, coordinator, patients):
    client.force_login(coordinator)

    response = client.get(reverse("patient_list"), {"q": "Nobody"})

    assert "No patients match" in response.text


def test_mine_lists_the_providers_own_patients(client, provider, patients):
    client.force_login(provider)

    assert _listed(client, mine="1") == ["Hopper"]


def test_front_desk_sees_the_list_for_scheduling(client, front_desk, patients):
    client.force_login(front_desk)

    assert _listed(client) == ["Hopper", "Lovelace", "Turing"]
