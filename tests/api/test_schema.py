"""The OpenAPI schema itself, the schema checker, and the Swagger UI page."""

import re

import pytest

from tests.api.conftest import OpenAPI

ENDPOINTS = [
    "/api/v1/provinces/",
    "/api/v1/counties/",
    "/api/v1/offices/",
    "/api/v1/neighbourhoods/",
    "/api/v1/users/",
]


def test_schema_documents_every_endpoint(openapi):
    paths = set(openapi.raw["paths"])
    for endpoint in ENDPOINTS:
        assert endpoint in paths
        assert endpoint + "{id}/" in paths
    assert {"/api/v1/me/", "/api/v1/auth/token/"} <= paths


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_admin_list_and_detail_responses_match_the_schema(world, api, endpoint):
    client = api(world.admin)
    listing = client.get(endpoint)  # the client checks the body against the schema
    assert listing.status_code == 200
    results = listing.json()["results"]
    assert results
    for item in results:
        assert client.get(f"{endpoint}{item['id']}/").status_code == 200


def test_me_matches_the_schema_for_every_role(world, api):
    for user in (world.admin, world.coordinator, world.facilitator_a, world.partner_user):
        assert api(user).get("/api/v1/me/").status_code == 200


def test_checker_refuses_a_wrong_type(openapi):
    body = {"id": "seven", "code": "KRM", "name_fa": "کرمان", "name_en": ""}
    problems = openapi.errors(method="GET", path="/api/v1/provinces/7/", status=200, body=body)
    assert any("id" in p and "integer" in p for p in problems)


def test_checker_refuses_an_undocumented_field(openapi):
    body = {"id": 7, "code": "KRM", "name_fa": "کرمان", "name_en": "", "secret": 1}
    problems = openapi.errors(method="GET", path="/api/v1/provinces/7/", status=200, body=body)
    assert any("secret" in p for p in problems)


def test_checker_refuses_a_missing_required_field(openapi):
    body = {"results": [{"id": 7, "code": "KRM", "name_en": ""}], "next": None, "previous": None}
    problems = openapi.errors(method="GET", path="/api/v1/provinces/", status=200, body=body)
    assert any("name_fa" in p for p in problems)


def test_checker_accepts_null_only_where_the_schema_says_nullable(openapi):
    office = {
        "id": 1, "code": "OA", "name_fa": "دفتر", "name_en": "", "county": 1, "address": "", "phone": "",
        "opened_on": None, "neighbourhoods": [],
    }  # fmt: skip
    assert openapi.errors(method="GET", path="/api/v1/offices/1/", status=200, body=office) == []
    problems = openapi.errors(
        method="GET", path="/api/v1/offices/1/", status=200, body={**office, "county": None}
    )
    assert any("county" in p for p in problems)


def test_checker_refuses_a_date_that_is_not_iso(openapi):
    office = {
        "id": 1, "code": "OA", "name_fa": "دفتر", "name_en": "", "county": 1, "address": "", "phone": "",
        "opened_on": "1402/01/01", "neighbourhoods": [],
    }  # fmt: skip
    problems = openapi.errors(method="GET", path="/api/v1/offices/1/", status=200, body=office)
    assert any("opened_on" in p for p in problems)


def test_checker_refuses_an_undocumented_path(openapi):
    path = "/api/v1/no-such-endpoint/"
    problems = openapi.errors(method="GET", path=path, status=200, body={"results": []})
    assert problems
    assert any("no-such-endpoint" in p or "path" in p.lower() for p in problems)


def test_swagger_ui_is_served_from_local_static_files_only(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"https?://", html), re.findall(r"https?://[^\s\"'<>]+", html)
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert src.startswith("/static/") or src.startswith("/api/"), src


def test_swagger_ui_static_files_exist(client, db):
    from django.contrib.staticfiles import finders

    html = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert len(assets) >= 3
    for asset in assets:
        assert finders.find(asset), asset


def test_the_docs_page_introduces_the_api_in_persian_and_english(openapi):
    intro = openapi.raw["info"]["description"]
    words_expected = (
        "Authorization: Token",
        "cursor",
        "409",
        "415",
        '"detail"',
        "Retry-After",
        "Accept-Language",
    )
    for words in words_expected:
        assert words in intro, words
    assert 'dir="rtl"' in intro and "توکن" in intro and "صفحه‌بندی با نشانگر" in intro
    persian, english = intro.split("</div>")
    for text in (persian, english):  # both file uploads are named in both languages
        assert "`POST /api/v1/imports/`" in text and "`POST /api/v1/stories/{id}/images/`" in text


def test_the_multipart_bodies_are_the_ones_the_docs_page_names(openapi):
    multipart = {
        f"{method.upper()} {template}"
        for template, operations in openapi.raw["paths"].items()
        for method, operation in operations.items()
        if "multipart/form-data" in operation.get("requestBody", {}).get("content", {})
    }
    assert multipart == {"POST /api/v1/imports/", "POST /api/v1/stories/{id}/images/"}
    intro = openapi.raw["info"]["description"]
    assert all(f"`{operation}`" in intro for operation in multipart)


def _one_answer(schema: dict, components: dict | None = None) -> OpenAPI:
    """A checker for a schema whose only operation, GET /api/v1/x/, answers 200 with `schema`."""
    answer = {"content": {"application/json": {"schema": schema}}}
    document = {
        "openapi": "3.0.3",
        "paths": {"/api/v1/x/": {"get": {"responses": {"200": answer}}}},
        "components": {"schemas": components or {}},
    }
    return OpenAPI(document)


def test_checker_refuses_null_for_a_nullable_enum_that_does_not_list_it():
    # OpenAPI 3.0.3: `nullable` does not add null to an enum, and generated clients refuse it (the
    # null outcome of every open referral broke openapi-python-client, issue #15).
    without = _one_answer({"type": "string", "enum": ["delivered", "other"], "nullable": True})
    assert without.errors(method="GET", path="/api/v1/x/", status=200, body=None)
    assert without.errors(method="GET", path="/api/v1/x/", status=200, body="other") == []
    listed = _one_answer({"type": "string", "enum": ["delivered", "other", None], "nullable": True})
    assert listed.errors(method="GET", path="/api/v1/x/", status=200, body=None) == []
    assert listed.errors(method="GET", path="/api/v1/x/", status=200, body="") != []


def test_checker_refuses_an_answer_documented_as_objects_with_no_discriminator():
    # The referral list as it was: office or partner rows, chosen by the caller's role.
    shapes = {
        "ReferralOut": {"type": "object", "properties": {"id": {"type": "integer"}}},
        "ReferralPartnerOut": {"type": "object", "properties": {"age_group": {"type": "string"}}},
    }
    union = {"oneOf": [{"$ref": f"#/components/schemas/{name}"} for name in shapes]}
    listing = {"type": "object", "properties": {"results": {"type": "array", "items": union}}}
    body = {"results": [{"id": 1}]}  # valid against one branch: that alone is not enough
    problems = _one_answer(listing, shapes).errors(method="GET", path="/api/v1/x/", status=200, body=body)
    assert problems == [
        "GET /api/v1/x/ 200 is documented as a oneOf of ReferralOut, ReferralPartnerOut with no discriminator"
    ]
    told = {**union, "discriminator": {"propertyName": "audience"}}
    listing = {"type": "object", "properties": {"results": {"type": "array", "items": told}}}
    assert _one_answer(listing, shapes).errors(method="GET", path="/api/v1/x/", status=200, body=body) == []


def test_no_answer_of_the_api_is_a_union_of_objects_with_no_discriminator(openapi):
    unions = {
        f"{method.upper()} {template} {status}": openapi.undiscriminated_unions(media["schema"])
        for template, operations in openapi.raw["paths"].items()
        for method, operation in operations.items()
        for status, answer in operation["responses"].items()
        for media in answer.get("content", {}).values()
        if "schema" in media
    }
    assert {where: found for where, found in unions.items() if found} == {}
    assert len(unions) > 300  # every answer of every operation was looked at
