"""Residents through the API: search, scoping, duplicates and stale edits."""

import datetime

import pytest

from mahalleh.audit.models import AuditEntry
from mahalleh.core.national_code import make_national_code
from mahalleh.registry import services
from mahalleh.registry.models import Person

pytestmark = pytest.mark.django_db

URL = "/api/v1/persons/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def new_person(household, **extra) -> dict:
    return {
        "household": household.pk,
        "first_name": "مریم",
        "last_name": "رضایی",
        "sex": "female",
        "relation": "spouse",
        "national_code": make_national_code(100000009),
        "birth_date": "1985-07-25",
        **extra,
    }


def test_facilitator_lists_the_residents_of_their_office_only(world, reg, api):
    assert ids(api(world.facilitator_a).get(URL)) == {reg.head_a.pk, reg.child_a.pk, reg.formula_a.pk}


def test_household_filter(world, reg, api):
    assert ids(api(world.facilitator_a).get(URL, {"household": reg.hh_a.pk})) == {
        reg.head_a.pk,
        reg.child_a.pk,
    }
    assert ids(api(world.facilitator_a).get(URL, {"household": reg.hh_b.pk})) == set()


@pytest.mark.parametrize("query", ["رضايي", "رضا یی", "زهرا", "رضایی‌"])
def test_search_finds_residents_however_the_name_is_typed(world, reg, api, query):
    found = ids(api(world.facilitator_a).get(URL, {"q": query}))
    assert found and found <= {reg.head_a.pk, reg.child_a.pk}


def test_search_by_national_code_in_persian_digits(world, reg, api):
    code = reg.child_a.national_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert ids(api(world.facilitator_a).get(URL, {"q": code})) == {reg.child_a.pk}
    # The start of a code finds everyone whose code starts so, in scope only (office B's start with 2).
    assert ids(api(world.facilitator_a).get(URL, {"q": "۱۰۰۰۰۰"})) == {
        reg.head_a.pk,
        reg.child_a.pk,
        reg.formula_a.pk,
    }
    assert ids(api(world.facilitator_a).get(URL, {"q": "۲۰۰۰۰۰"})) == set()


def test_facilitator_cannot_find_or_open_a_resident_of_another_office(world, reg, api):
    client = api(world.facilitator_a)
    assert ids(client.get(URL, {"q": "کریمی"})) == set()
    assert ids(client.get(URL, {"q": reg.head_b.national_code})) == set()
    assert client.get(f"{URL}{reg.head_b.pk}/").status_code == 404
    assert (
        client.patch(f"{URL}{reg.head_b.pk}/", {"version": "x", "first_name": "x"}, format="json").status_code
        == 404
    )
    assert not AuditEntry.objects.filter(
        object_type="person", object_id=str(reg.head_b.pk), action="view"
    ).exists()


@pytest.mark.parametrize("role", ["analyst", "pr_a", "partner_user"])
def test_roles_without_personal_data_get_nothing(world, reg, api, role):
    client = api(getattr(world, role))
    assert ids(client.get(URL)) == set()
    assert ids(client.get(URL, {"q": "رضایی"})) == set()
    assert client.get(f"{URL}{reg.head_a.pk}/").status_code == 404


def test_retrieve_writes_an_api_view_entry(world, reg, api):
    response = api(world.coordinator).get(f"{URL}{reg.child_a.pk}/")
    assert response.status_code == 200
    assert response.json()["national_code"] == reg.child_a.national_code
    entry = AuditEntry.objects.get(action="view", object_type="person", object_id=str(reg.child_a.pk))
    assert (entry.user, entry.via, entry.province_id) == (world.coordinator, "api", world.kerman.pk)


def test_facilitator_registers_a_resident(world, reg, api):
    response = api(world.facilitator_a).post(URL, new_person(reg.hh_a, mobile="۰۹۱۲ ۱۲۳ ۴۵۶۷"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mobile"] == "09121234567"
    assert body["birth_date"] == "1985-07-25"
    assert Person.objects.get(pk=body["id"]).household == reg.hh_a
    assert AuditEntry.objects.filter(
        action="create", object_type="person", object_id=str(body["id"]), via="api"
    )


def test_cannot_register_into_another_offices_household(world, reg, api):
    before = Person.objects.count()
    response = api(world.facilitator_a).post(URL, new_person(reg.hh_b), format="json")
    assert response.status_code == 404
    assert Person.objects.count() == before


def test_bad_national_code_is_a_400_at_the_field(world, reg, api):
    response = api(world.facilitator_a).post(
        URL, new_person(reg.hh_a, national_code="1234567890"), format="json"
    )
    assert response.status_code == 400
    assert "national_code" in response.json()


def test_future_birth_date_is_refused(world, reg, api):
    response = api(world.facilitator_a).post(
        URL, new_person(reg.hh_a, birth_date="2999-01-01"), format="json"
    )
    assert response.status_code == 400
    assert "birth_date" in response.json()


def test_duplicate_national_code_in_the_same_office_points_to_the_existing_resident(world, reg, api):
    before = Person.objects.count()
    body = new_person(reg.hh_a2, national_code=reg.child_a.national_code, first_name="دیگری")
    response = api(world.facilitator_a).post(URL, body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["national_code"]
    assert data["duplicate"] == {
        "code": "duplicate_code",
        "existing_id": reg.child_a.pk,
        "confirmable": False,
    }
    assert Person.objects.count() == before


def test_duplicate_national_code_of_another_office_does_not_reveal_the_record(world, reg, api):
    body = new_person(reg.hh_a2, national_code=reg.head_b.national_code)
    response = api(world.facilitator_a).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["duplicate"] == {
        "code": "duplicate_code",
        "existing_id": None,
        "confirmable": False,
    }
    assert "کریمی" not in response.content.decode()


def test_duplicate_national_code_cannot_be_confirmed(world, reg, api):
    body = new_person(reg.hh_a2, national_code=reg.child_a.national_code, confirm_duplicate=True)
    assert api(world.facilitator_a).post(URL, body, format="json").status_code == 400


def test_same_name_and_birth_date_warns_and_can_be_confirmed(world, reg, api):
    client = api(world.facilitator_a)
    body = new_person(
        reg.hh_a2,
        first_name="علی",
        last_name="رضایی",
        birth_date="1980-03-01",
        relation="relative",
        id_type="none",
    )
    body.pop("national_code")
    response = client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["duplicate"] == {
        "code": "duplicate_name",
        "existing_id": reg.head_a.pk,
        "confirmable": True,
    }
    assert client.post(URL, {**body, "confirm_duplicate": True}, format="json").status_code == 201


def test_update_with_version_and_refused_when_stale(world, reg, api):
    client = api(world.facilitator_a)
    version = client.get(f"{URL}{reg.child_a.pk}/").json()["version"]
    response = client.patch(
        f"{URL}{reg.child_a.pk}/", {"version": version, "education": "primary"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["education"] == "primary"
    again = client.patch(f"{URL}{reg.child_a.pk}/", {"version": version, "education": "none"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "stale"
    reg.child_a.refresh_from_db()
    assert reg.child_a.education == "primary"


def test_update_to_someone_elses_national_code_is_refused(world, reg, api):
    client = api(world.facilitator_a)
    version = client.get(f"{URL}{reg.child_a.pk}/").json()["version"]
    response = client.patch(
        f"{URL}{reg.child_a.pk}/",
        {"version": version, "national_code": reg.head_a.national_code},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["duplicate"]["existing_id"] == reg.head_a.pk


def test_facilitator_of_another_office_cannot_update(world, reg, api):
    version = api(world.facilitator_a).get(f"{URL}{reg.child_a.pk}/").json()["version"]
    response = api(world.facilitator_b).patch(
        f"{URL}{reg.child_a.pk}/", {"version": version, "first_name": "x"}, format="json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["admin", "coordinator", "pr_a", "partner_user"])
def test_roles_that_cannot_edit_cannot_register(world, reg, api, role):
    response = api(getattr(world, role)).post(URL, new_person(reg.hh_a), format="json")
    assert response.status_code == 403


def test_moved_away_status_filter(world, reg, api):
    services.person_set_status(
        actor=world.facilitator_a, person=reg.child_a, status="moved_away", on=datetime.date(2024, 5, 1)
    )
    client = api(world.facilitator_a)
    assert ids(client.get(URL, {"status": "moved_away"})) == {reg.child_a.pk}
    assert reg.child_a.pk not in ids(client.get(URL, {"status": "active"}))


# ------------------------------------------------------------- one validation of names (issue 8.6)


@pytest.mark.parametrize("field", ["first_name", "last_name", "father_name"])
def test_a_name_that_is_a_spreadsheet_formula_is_refused_at_its_field(world, reg, api, field):
    before = Person.objects.count()
    body = new_person(reg.hh_a2, **{field: '=HYPERLINK("http://evil.example/x","click")'})
    response = api(world.facilitator_a).post(URL, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert "formula" in " ".join(response.json()[field]) or "فرمول" in " ".join(response.json()[field])
    assert Person.objects.count() == before


def test_renaming_a_resident_to_a_formula_is_refused(world, reg, api):
    client = api(world.facilitator_a)
    version = client.get(f"{URL}{reg.child_a.pk}/").json()["version"]
    response = client.patch(
        f"{URL}{reg.child_a.pk}/", {"version": version, "last_name": "@SUM(1+1)*cmd"}, format="json"
    )
    assert response.status_code == 400 and "last_name" in response.json()
    reg.child_a.refresh_from_db()
    assert reg.child_a.last_name == "رضایی"


def test_a_phone_like_or_hyphenated_name_is_still_a_name(world, reg, api):
    body = new_person(reg.hh_a2, last_name="-", father_name="Jean-Pierre")
    response = api(world.facilitator_a).post(URL, body, format="json")
    assert response.status_code == 201, response.content
