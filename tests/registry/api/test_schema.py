"""The registry endpoints are in the OpenAPI schema, and these tests' client really checks against it."""

import pytest

from tests.api.conftest import SchemaCheckedClient

pytestmark = pytest.mark.django_db

ENDPOINTS = ["households", "persons", "harm-types", "harm-cases", "consents", "assessments", "audit"]


def test_schema_documents_the_registry_and_audit_endpoints(openapi):
    paths = openapi.raw["paths"]
    for name in ENDPOINTS:
        assert f"/api/v1/{name}/" in paths
    assert set(paths["/api/v1/households/{id}/"]) == {"get", "patch"}
    assert set(paths["/api/v1/persons/{id}/"]) == {"get", "patch"}
    assert "post" in paths["/api/v1/harm-cases/{id}/transition/"]
    assert set(paths["/api/v1/consents/"]) == {"get", "post"}
    assert set(paths["/api/v1/assessments/"]) == {"get", "post"}
    # The audit is read-only in the API.
    assert set(paths["/api/v1/audit/"]) == {"get"}
    assert set(paths["/api/v1/audit/{id}/"]) == {"get"}


def test_household_list_documents_the_list_page_filters(openapi):
    params = {p["name"] for p in openapi.raw["paths"]["/api/v1/households/"]["get"]["parameters"]}
    assert {
        "q",
        "neighbourhood",
        "harm_type",
        "age_group",
        "consent",
        "vulnerability_min",
        "cursor",
    } <= params


def test_the_api_fixture_checks_answers_against_the_schema(world, api, openapi):
    assert isinstance(api(world.facilitator_a), SchemaCheckedClient)
    person = {"id": 1, "household": 1, "first_name": "x"}  # most required fields missing
    problems = openapi.errors(method="GET", path="/api/v1/persons/1/", status=200, body=person)
    assert any("last_name" in p for p in problems)
    stale = openapi.errors(method="PATCH", path="/api/v1/persons/1/", status=409, body={"detail": "x"})
    assert any("code" in p for p in stale)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/households/abc/",
        "/api/v1/persons/99999999999999999999999/",
        "/api/v1/harm-cases/-1/",
        "/api/v1/harm-types/99999999999999999999999/",
        "/api/v1/audit/99999999999999999999999/",
        "/api/v1/audit/abc/",
    ],
)
def test_an_id_that_is_not_a_record_is_a_json_404(world, api, path):
    assert api(world.admin).get(path).status_code == 404  # the client also checks it is JSON


def test_an_impossible_id_in_a_body_or_filter_is_a_400(world, api):
    client = api(world.facilitator_a)
    assert client.get("/api/v1/persons/", {"household": 10**30}).status_code == 400
    response = client.post("/api/v1/households/", {"neighbourhood": 10**30}, format="json")
    assert response.status_code == 400
    assert "neighbourhood" in response.json()
