"""The API's rules for bad input, caching and list audit (issues #15 and #8 items 10, 13, 14).

Every answer here goes through the schema-checked client, so each error is also checked to be
a status the schema documents, in the documented error shape."""

import pytest

from mahalleh.audit.models import AuditEntry
from tests.referrals.conftest import tr

pytestmark = pytest.mark.django_db


def test_a_form_encoded_body_is_a_415_in_the_callers_language(world, reg, api):
    client = api(world.facilitator_a)
    data = {"neighbourhood": world.hood_a.pk}
    persian = client.post("/api/v1/households/", data, format="multipart")
    assert persian.status_code == 415 and persian.json()["code"] == "unsupported_media_type"
    assert "پشتیبانی" in persian.json()["detail"]
    english = client.post(
        "/api/v1/households/", data, format="multipart", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.8"
    )
    assert english.status_code == 415 and english.json()["detail"].startswith("Unsupported media type")


def test_an_unknown_field_is_named_and_nothing_is_written(world, reg, api):
    client = api(world.facilitator_a)
    before = reg.hh_a.members.count()
    response = client.post(
        "/api/v1/persons/",
        {"household": reg.hh_a.pk, "first_name": "مینا", "last_name": "رضایی", "sex": "female",
         "relation": "child", "id_type": "none", "birthdate": "2015-01-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {"birthdate": ["Unknown field: this endpoint does not take it."]}
    assert reg.hh_a.members.count() == before


def test_a_wrong_type_is_named_in_persian_by_default_and_in_english_on_request(world, reg, api):
    client = api(world.facilitator_a)
    body = {"neighbourhood": "نه"}
    assert client.post("/api/v1/households/", body).json() == {
        "neighbourhood": [tr("A valid integer is required.")]
    }
    english = client.post("/api/v1/households/", body, HTTP_ACCEPT_LANGUAGE="en").json()
    assert english == {"neighbourhood": ["A valid integer is required."]}


def test_the_pages_still_ignore_accept_language(world, reg, login):
    page = login(world.facilitator_a).get("/registry/households/", HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "fa"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/offices/?county=99999999999999999999",
        "/api/v1/offices/?province=99999999999999999999",
        "/api/v1/counties/?province=99999999999999999999",
        "/api/v1/neighbourhoods/?county=99999999999999999999",
        "/api/v1/persons/?household=99999999999999999999",
        "/api/v1/persons/?cursor=not-a-cursor",
    ],
)
def test_out_of_range_ids_and_bad_cursors_are_400_json_naming_the_parameter(world, reg, api, path):
    response = api(world.admin).get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    parameter = path.split("?")[1].split("=")[0]
    assert list(response.json()) == [parameter]


def test_an_unknown_api_path_is_a_json_404_not_an_html_page(world, reg, client):
    response = client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize(
    "path", ["/api/v1/persons/", "/api/v1/households/", "/api/v1/persons/{head}/", "/api/v1/households/{hh}/"]
)
def test_personal_data_is_never_stored_by_a_cache(world, reg, api, path):
    response = api(world.facilitator_a).get(path.format(head=reg.head_a.pk, hh=reg.hh_a.pk))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_each_persons_and_households_list_read_is_one_audit_entry_with_the_ids(world, reg, api):
    client = api(world.facilitator_a)
    AuditEntry.objects.all().delete()
    persons = [p["id"] for p in client.get("/api/v1/persons/", {"page_size": 2}).json()["results"]]
    households = [h["id"] for h in client.get("/api/v1/households/").json()["results"]]
    entries = list(AuditEntry.objects.filter(action="list").order_by("pk"))
    assert [(e.object_type, e.changes["ids"], e.via) for e in entries] == [
        ("person", persons, "api"),
        ("household", households, "api"),
    ]
    assert len(persons) == 2 and entries[0].changes["filters"] == {"page_size": "2"}
    assert entries[0].user == world.facilitator_a and entries[0].office_id == world.office_a.pk
