"""Places API: keyset pagination, filters, and creating a neighbourhood."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from mahalleh.geo.geojson import parse_boundary
from mahalleh.geo.models import Neighbourhood
from tests.conftest import square

BOW_TIE = {
    "type": "Polygon",
    "coordinates": [[[57.0, 30.0], [57.01, 30.01], [57.01, 30.0], [57.0, 30.01], [57.0, 30.0]]],
}


@pytest.fixture
def many_hoods(world):
    """60 more neighbourhoods in county A: more than one page of 50."""
    Neighbourhood.objects.bulk_create(
        Neighbourhood(county=world.county_a, code=f"EX{i:02d}", name_fa=f"محله {i}", kind="comparison")
        for i in range(60)
    )
    return Neighbourhood.objects.count()


def _messages(boundary, language="fa") -> list[str]:
    """The messages the boundary check gives, in the language of the API (Persian by default)."""
    with translation.override(language):
        try:
            parse_boundary(boundary)
        except ValidationError as exc:
            return [str(m) for m in exc.messages]
    raise AssertionError("the boundary was accepted")


def _walk(client, url):
    """Every result of a paginated list, following the `next` links; and the number of pages."""
    ids, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        ids += [item["id"] for item in body["results"]]
        pages += 1
        url = body["next"]
    return ids, pages


def test_first_page_has_fifty_rows_and_a_next_link(world, api, many_hoods):
    body = api(world.admin).get("/api/v1/neighbourhoods/").json()
    assert len(body["results"]) == 50
    assert body["next"] and "cursor=" in body["next"]
    assert body["previous"] is None


def test_following_next_links_gives_every_row_once(world, api, many_hoods):
    ids, pages = _walk(api(world.admin), "/api/v1/neighbourhoods/")
    assert pages == 2
    assert len(ids) == len(set(ids)) == many_hoods
    assert set(ids) == set(Neighbourhood.objects.values_list("pk", flat=True))


def test_page_size_parameter(world, api, many_hoods):
    client = api(world.admin)
    body = client.get("/api/v1/neighbourhoods/?page_size=10").json()
    assert len(body["results"]) == 10
    assert "page_size=10" in body["next"]
    ids, pages = _walk(client, "/api/v1/neighbourhoods/?page_size=10")
    assert pages == 7  # 64 rows
    assert len(ids) == len(set(ids)) == many_hoods


def test_page_size_is_capped(world, api, many_hoods):
    body = api(world.admin).get("/api/v1/neighbourhoods/?page_size=100000").json()
    assert len(body["results"]) == many_hoods  # under the cap of 500, all on one page
    assert body["next"] is None


def test_pagination_does_not_skip_rows_added_between_pages(world, api, many_hoods):
    client = api(world.admin)
    first = client.get("/api/v1/neighbourhoods/?page_size=30").json()
    Neighbourhood.objects.create(county=world.county_a, code="LATE", name_fa="محله دیر", kind="comparison")
    ids = [item["id"] for item in first["results"]]
    rest, _pages = _walk(client, first["next"])
    ids += rest
    assert len(ids) == len(set(ids)) == many_hoods  # the new row is newest, so it sits before page 1


def test_pagination_stays_inside_the_scope(world, api, many_hoods):
    ids, _pages = _walk(api(world.facilitator_a), "/api/v1/neighbourhoods/?page_size=5")
    assert ids == [world.hood_a.pk]


def test_filter_by_kind(world, api):
    body = api(world.admin).get("/api/v1/neighbourhoods/?kind=comparison").json()
    assert [n["name_fa"] for n in body["results"]] == ["محله شاهد الف"]
    body = api(world.admin).get("/api/v1/neighbourhoods/?kind=target").json()
    assert {n["name_fa"] for n in body["results"]} == {"محله الف", "محله ب", "محله شیراز"}


def test_filter_by_county(world, api):
    body = api(world.admin).get(f"/api/v1/neighbourhoods/?county={world.county_a.pk}").json()
    assert {n["name_fa"] for n in body["results"]} == {"محله الف", "محله شاهد الف"}
    body = api(world.admin).get(f"/api/v1/counties/?province={world.fars.pk}").json()
    assert [c["name_fa"] for c in body["results"]] == ["شیراز"]


def test_filter_offices_by_province(world, api):
    body = api(world.admin).get(f"/api/v1/offices/?province={world.kerman.pk}").json()
    assert {o["name_fa"] for o in body["results"]} == {"دفتر الف", "دفتر ب"}


def test_filter_cannot_widen_the_scope(world, api):
    body = api(world.coordinator).get(f"/api/v1/neighbourhoods/?county={world.county_f.pk}").json()
    assert body["results"] == []


def test_filter_with_a_bad_value_is_a_400_with_a_message(world, api):
    response = api(world.admin).get("/api/v1/neighbourhoods/?kind=village")
    assert response.status_code == 400
    assert "kind" in response.json()


def test_office_lists_the_neighbourhoods_it_serves(world, api):
    body = api(world.admin).get(f"/api/v1/offices/{world.office_a.pk}/").json()
    assert body["neighbourhoods"] == [world.hood_a.pk]
    assert body["opened_on"] == "2023-03-21"  # the API speaks ISO 8601, not Jalali


def _body(world, **extra):
    return {
        "county": world.county_a.pk,
        "code": "na2",
        "name_fa": "محله تازه",
        "name_en": "New hood",
        "kind": "target",
        "office": world.office_a.pk,
        "est_population": 5000,
        "boundary": square(57.1, 30.3),
        **extra,
    }


def test_admin_creates_a_neighbourhood(world, api):
    response = api(world.admin).post("/api/v1/neighbourhoods/", _body(world), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["code"] == "NA2"
    created = Neighbourhood.objects.get(code="NA2")
    assert body["id"] == created.pk
    assert created.office == world.office_a
    assert created.boundary["type"] == "Polygon"


def test_coordinator_creates_a_neighbourhood_in_own_province(world, api):
    response = api(world.coordinator).post("/api/v1/neighbourhoods/", _body(world), format="json")
    assert response.status_code == 201


def test_bow_tie_boundary_is_refused_with_a_readable_message(world, api):
    response = api(world.admin).post("/api/v1/neighbourhoods/", _body(world, boundary=BOW_TIE), format="json")
    assert response.status_code == 400
    assert response.json()["boundary"] == _messages(BOW_TIE)
    assert not Neighbourhood.objects.filter(code="NA2").exists()


def test_swapped_coordinates_are_refused_at_the_boundary(world, api):
    swapped = {
        "type": "Polygon",
        "coordinates": [[[lat, lon] for lon, lat in square(57.0, 30.3)["coordinates"][0]]],
    }
    response = api(world.admin).post("/api/v1/neighbourhoods/", _body(world, boundary=swapped), format="json")
    assert response.status_code == 400
    assert response.json()["boundary"] == _messages(swapped)
    assert not Neighbourhood.objects.filter(code="NA2").exists()


def test_missing_fields_are_named(world, api):
    response = api(world.admin).post("/api/v1/neighbourhoods/", {"county": world.county_a.pk}, format="json")
    assert response.status_code == 400
    assert {"code", "name_fa"} <= set(response.json())


def test_duplicate_code_is_refused(world, api):
    response = api(world.admin).post("/api/v1/neighbourhoods/", _body(world, code="NA"), format="json")
    assert response.status_code == 400
    assert "code" in response.json()
    assert Neighbourhood.objects.filter(code="NA").count() == 1


def test_comparison_neighbourhood_with_an_office_is_refused(world, api):
    response = api(world.admin).post(
        "/api/v1/neighbourhoods/", _body(world, kind="comparison"), format="json"
    )
    assert response.status_code == 400
    assert "office" in response.json()


def test_office_of_another_county_is_refused_at_the_office_field(world, api):
    body = _body(world, office=world.office_b.pk)
    response = api(world.admin).post("/api/v1/neighbourhoods/", body, format="json")
    assert response.status_code == 400
    with translation.override("fa"):
        expected = str(_("The office must be in the neighbourhood's county."))
    assert response.json()["office"] == [expected]
    assert not Neighbourhood.objects.filter(code="NA2").exists()


@pytest.mark.parametrize("role", ["facilitator_a", "manager_a", "pr_a", "analyst", "partner_user"])
def test_roles_that_cannot_manage_places_cannot_create(world, api, role):
    response = api(getattr(world, role)).post("/api/v1/neighbourhoods/", _body(world), format="json")
    assert response.status_code in {403, 404}
    assert not Neighbourhood.objects.filter(code="NA2").exists()


def test_coordinator_cannot_create_in_another_province(world, api):
    body = _body(world, county=world.county_f.pk, office=None)
    response = api(world.coordinator).post("/api/v1/neighbourhoods/", body, format="json")
    assert response.status_code == 404  # the county is outside the scope: it does not exist for them
    assert not Neighbourhood.objects.filter(code="NA2").exists()


@pytest.mark.parametrize("endpoint", ["provinces", "counties", "offices", "users"])
def test_read_only_endpoints_refuse_writes(world, api, endpoint):
    response = api(world.admin).post(f"/api/v1/{endpoint}/", {"code": "X"}, format="json")
    assert response.status_code == 405
