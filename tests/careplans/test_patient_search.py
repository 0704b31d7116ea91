"""Finding a patient from one box: each shape of text finds its patient and no other, never a
patient outside the user's scope; the patients list and the header's dropdown cost a fixed
number of queries, write the access log and are never cached. On PostgreSQL, every shape is
served by an index."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from guardian.shortcuts import assign_perm

from careplans.models import Patient, PatientAccessLog
from careplans.search import search_patients
from tests.factories import PatientFactory
from tests.helpers import count_queries, inline_code


@pytest.fixture
def patients(team, other_team):
    def make(first, last, mrn, born, phone, **kwargs):
        return PatientFactory(
            first_name=first, last_name=last, mrn=mrn, birth_date=born, phone=phone, **kwargs
        )

    return {
        "ada": make("Ada", "Lovelace", "48151623", dt.date(1815, 12, 10), "(315) 555-0162", care_team=team),
        "alan": make("Alan", "Turing", "62311954", dt.date(1912, 6, 23), "412-555-0199", care_team=team),
        "grace": make("Grace", "Hopper", "12091906", dt.date(1906, 12, 9), "518.555.0144", care_team=team),
        # Outside the coordinator's scope, each sharing Ada's name, MRN start, birth date and phone.
        "restricted": make(
            "Ada", "Lovelace-King", "48159999", dt.date(1815, 12, 10), "(315) 555-0162",
            care_team=team, is_restricted=True,
        ),
        "elsewhere": make(
            "Ada", "Lovelace", "48150000", dt.date(1815, 12, 10), "315 555 0162", care_team=other_team
        ),
    }  # fmt: skip


def _found(user, text) -> list[str]:
    found = search_patients(Patient.objects.visible_to(user), text).for_list()
    return [p.last_name for p in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ada Lovelace", ["Lovelace"]),
        ("lovelace ADA", ["Lovelace"]),
        ("Lovelace, Ada", ["Lovelace"]),
        ("Lovelace, A", ["Lovelace"]),
        ("Lovelace,", ["Lovelace"]),
        ("Turing, Ada", []),
        ("Ada Turing", []),
        ("love", ["Lovelace"]),
        ("ovel", ["Lovelace"]),  # from three letters, anywhere in the last name
        ("ho", ["Hopper"]),  # shorter: at its start only
        ("op", []),
        ("alan", ["Turing"]),
        ("1516", ["Lovelace"]),  # part of an MRN
        ("48151623", ["Lovelace"]),
        ("12/10/1815", ["Lovelace"]),
        ("6/23/1912", ["Turing"]),
        ("1906-12-09", ["Hopper"]),
        ("02/30/1950", []),
        ("(315) 555-0162", ["Lovelace"]),
        ("315-555-0162", ["Lovelace"]),
        ("3155550162", ["Lovelace"]),
        ("+1 315 555 0162", ["Lovelace"]),
        ("555-0144", ["Hopper"]),
        ("  ", ["Hopper", "Lovelace", "Turing"]),
    ],
)
def test_each_shape_finds_its_patient_and_no_other(coordinator, patients, text, expected):
    assert _found(coordinator, text) == expected


OUT_OF_SCOPE_TEXTS = ["Ada", "Ada Lovelace", "Lovelace, Ada", "4815", "12/10/1815", "(315) 555-0162"]


@pytest.mark.parametrize("text", OUT_OF_SCOPE_TEXTS)
def test_patients_outside_scope_are_never_found(coordinator, other_manager, patients, text):
    outside = [patients["restricted"].pk, patients["elsewhere"].pk]

    assert not search_patients(Patient.objects.visible_to(coordinator), text).filter(pk__in=outside)
    # The same text finds the other team's patient for that team's manager.
    assert search_patients(Patient.objects.visible_to(other_manager), text).filter(
        pk=patients["elsewhere"].pk
    )


def test_a_granted_restricted_patient_is_found(coordinator, patients):
    assign_perm("careplans.view_patient", coordinator, patients["restricted"])

    assert _found(coordinator, "Lovelace-King") == ["Lovelace-King"]


# ---- the patients list and the header's dropdown ------------------------------------------


def _dropdown(client, text):
    return client.get(reverse("patient_search"), {"q": text}, headers={"HX-Request": "true"})


def test_the_list_pages_through_every_match(client, coordinator, patients):
    client.force_login(coordinator)

    response = client.get(reverse("patient_list"), {"q": "555-0162"})

    assert [p.last_name for p in response.context["page"]] == ["Lovelace"]
    assert "(315) 555-0162" in response.text


def test_the_dropdown_links_each_match_to_the_patient_page(client, coordinator, patients):
    client.force_login(coordinator)

    response = _dropdown(client, "Ada Lovelace")

    assert response.status_code == 200
    assert reverse("patient_detail", args=[patients["ada"].pk]) in response.text
    assert "MRN 48151623" in response.text
    assert "<html" not in response.text
    assert patients["elsewhere"].mrn not in response.text


def test_the_dropdown_shows_the_first_25_then_links_to_the_list(client, coordinator, team):
    PatientFactory.create_batch(26, care_team=team, last_name="Marlowe")
    client.force_login(coordinator)

    response = _dropdown(client, "marlowe")

    assert len(response.context["patients"]) == 25
    assert f"{reverse('patient_list')}?q=marlowe" in response.text


def test_the_dropdown_waits_for_two_characters(client, coordinator, patients):
    client.force_login(coordinator)

    assert "Type a little more" in _dropdown(client, "a").text
    assert _dropdown(client, "").text.strip() == ""
    assert "No patients match" in _dropdown(client, "Nobody").text


@pytest.mark.parametrize(("view", "text"), [("patient_list", "Marlowe"), ("patient_search", "Marlowe")])
def test_query_count_does_not_grow_with_matches(client, coordinator, team, view, text):
    client.force_login(coordinator)
    url = f"{reverse(view)}?q={text}"
    PatientFactory.create_batch(3, care_team=team, last_name="Marlowe")
    client.get(url)  # warm the session and permission caches
    few = count_queries(client, url)
    PatientFactory.create_batch(27, care_team=team, last_name="Marlowe")

    assert count_queries(client, url) == few


@pytest.mark.parametrize("view", ["patient_list", "patient_search"])
def test_each_patient_shown_is_written_to_the_access_log(client, coordinator, patients, view):
    client.force_login(coordinator)

    client.get(reverse(view), {"q": "12/10/1815"})

    rows = list(PatientAccessLog.objects.values_list("user", "patient", "path"))
    assert rows == [(coordinator.pk, patients["ada"].pk, reverse(view))]


def test_a_refused_search_shows_and_logs_nothing(client, admin, patients):
    client.force_login(admin)

    assert client.get(reverse("patient_search"), {"q": "Ada"}).status_code == 403
    assert not PatientAccessLog.objects.exists()


@pytest.mark.parametrize("view", ["patient_list", "patient_search"])
def test_search_results_are_never_cached(client, coordinator, patients, view):
    client.force_login(coordinator)

    response = client.get(reverse(view), {"q": "Ada"})

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_header_has_the_search_box_for_whoever_sees_patients(client, coordinator, admin):
    client.force_login(coordinator)
    page = client.get(reverse("my_work")).text
    client.force_login(admin)
    admin_page = client.get(reverse("inbox")).text

    assert 'role="search"' in page and "Find a patient" in page
    assert f'hx-get="{reverse("patient_search")}"' in page
    assert inline_code(page) == []
    assert "Find a patient" not in admin_page


# ---- PostgreSQL: an index serves every shape -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "indexes"),
    [
        ("Ada Lovelace", {"patient_first_name_trgm", "patient_last_name_trgm"}),
        ("Lovelace,", {"patient_last_name_trgm"}),  # with ", Ada" either index will do
        ("ove", {"patient_first_name_trgm", "patient_last_name_trgm", "patient_mrn_trgm"}),
        ("lo", {"patient_first_name_trgm", "patient_last_name_trgm", "patient_mrn_trgm"}),
        ("1516", {"patient_mrn_trgm"}),
        ("(315) 555-0162", {"patient_mrn_trgm", "patient_phone_digits_trgm"}),
        ("12/10/1815", {"patient_birth_date_idx"}),
    ],
)
def test_every_shape_is_an_index_probe_on_postgresql(postgresql, patients, text, indexes):
    found = search_patients(Patient.objects.all(), text)  # the scope has indexes of its own
    with connection.cursor() as cursor:
        # A handful of rows: the planner would rather read the table. Forbid that, so the plan
        # shows whether the indexes match the search's expressions at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = found.explain()

    used = {name for name in indexes if name in plan}
    assert used == indexes, plan
