"""Bad input, on every operation that takes a JSON body: an unknown field is a 400 naming it, in
the caller's language; a body that is not JSON is a JSON 400 saying where it broke, never an HTML
page.

The operations are read from the schema itself (`/api/schema/`), so a new endpoint is covered the
day it is added -- and must be given its row in CALLERS below. Each body is built from the
operation's request schema (its required fields, with values of the declared types), plus one
field the endpoint does not take; it is sent by a role that calls the operation, over the demo, so
a record in the path (`{id}`) is one that role really sees. Every answer also goes through the
schema-checked client."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mahalleh.accounts.models import User

pytestmark = pytest.mark.django_db

UNKNOWN = "bogus"
MESSAGE_EN = "Unknown field: this endpoint does not take it."
MESSAGE_FA = "فیلد ناشناخته: این نشانی چنین فیلدی نمی‌پذیرد."

# Who sends each JSON-body operation: the demo account of the role that calls it (None: no
# sign-in). Any role the endpoint refuses answers 403 or 404 before reading the body, so it
# says nothing about the body: only the calling role is tried.
CALLERS = {
    "POST /api/v1/auth/token/": None,
    "POST /api/v1/activities/": "facilitator",
    "PATCH /api/v1/activities/{id}/": "facilitator",
    "POST /api/v1/assessments/": "facilitator",
    "POST /api/v1/consents/": "facilitator",
    "POST /api/v1/enrolments/": "facilitator",
    "POST /api/v1/enrolments/{id}/leave/": "facilitator",
    "POST /api/v1/groups/": "facilitator",
    "PATCH /api/v1/groups/{id}/": "facilitator",
    "POST /api/v1/harm-cases/": "facilitator",
    "POST /api/v1/harm-cases/{id}/transition/": "facilitator",
    "POST /api/v1/households/": "facilitator",
    "PATCH /api/v1/households/{id}/": "facilitator",
    "POST /api/v1/manual-values/": "facilitator",
    "POST /api/v1/meetings/": "facilitator",
    "POST /api/v1/memberships/": "facilitator",
    "POST /api/v1/memberships/{id}/leave/": "facilitator",
    "POST /api/v1/memberships/{id}/role/": "facilitator",
    "POST /api/v1/neighbourhoods/": "national_admin",
    "POST /api/v1/partner-referrals/{id}/transition/": "partner_user",
    "POST /api/v1/persons/": "facilitator",
    "PATCH /api/v1/persons/{id}/": "facilitator",
    "POST /api/v1/referrals/": "facilitator",
    "POST /api/v1/referrals/{id}/transition/": "facilitator",
    "POST /api/v1/reports/": "office_manager",
    "POST /api/v1/sessions/": "facilitator",
    "POST /api/v1/sessions/{id}/attendance/": "facilitator",
    "POST /api/v1/stories/": "pr_officer",
    "PATCH /api/v1/stories/{id}/": "pr_officer",
    "POST /api/v1/stories/{id}/return/": "pr_officer",
    "POST /api/v1/stories/{id}/unpublish/": "office_manager",
    "POST /api/v1/survey-responses/": "facilitator",
    "POST /api/v1/survey-rounds/": "province_coordinator",
    "POST /api/v1/targets/": "office_manager",
}


# The same for the operations whose body is a multipart upload (a file and its fields).
MULTIPART_CALLERS = {
    "POST /api/v1/imports/": "facilitator",
    "POST /api/v1/stories/{id}/images/": "pr_officer",
}


def body_operations(openapi, media_type: str) -> list[tuple[str, str, dict]]:
    """(method, path template, request schema) of every operation whose body is `media_type`."""
    found = []
    for template, operations in openapi.raw["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if media_type in content:
                found.append((method.upper(), template, content[media_type]["schema"]))
    return found


def example(openapi, node: dict):
    """A value of the shape `node` declares (its required fields only, for an object)."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        return example(openapi, openapi.raw["components"]["schemas"][name])
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in node:
            return example(openapi, node[combined][0])
    if node.get("enum"):
        return next(value for value in node["enum"] if value is not None)
    kind = node.get("type", "string")
    if kind == "object":
        properties = node.get("properties", {})
        return {name: example(openapi, properties[name]) for name in node.get("required", [])}
    if kind == "array":
        return [example(openapi, node["items"])] * node.get("minItems", 0)
    if kind == "integer":
        return max(1, node.get("minimum", 1))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if node.get("format") == "date":
        return datetime.date(2025, 1, 1).isoformat()
    if node.get("format") == "date-time":
        return "2025-01-01T10:00:00Z"
    if node.get("format") == "binary":
        return SimpleUploadedFile("upload.bin", b"not read: the unknown field is refused first")
    return "x" * max(1, node.get("minLength", 1))


def first_id(client, template: str) -> int:
    """The first record of the collection above `template` that the client's user sees."""
    collection = template.split("{id}")[0]
    response = client.get(collection)
    assert response.status_code == 200, (collection, response.content)
    rows = response.json()["results"]
    assert rows, f"the demo has no row at {collection} for this role"
    return rows[0]["id"]


def test_every_json_body_refuses_an_unknown_field_by_name_in_persian_and_in_english(demo, api, openapi):
    operations = body_operations(openapi, "application/json")
    named = {f"{method} {template}" for method, template, _schema in operations}
    assert named == set(CALLERS), (
        f"give each JSON-body operation its calling role in CALLERS: missing {sorted(named - set(CALLERS))}, "
        f"no longer in the schema {sorted(set(CALLERS) - named)}"
    )
    for method, template, schema in operations:
        username = CALLERS[f"{method} {template}"]
        client = api(User.objects.get(username=username) if username else None)
        path = template.replace("{id}", str(first_id(client, template))) if "{id}" in template else template
        body = example(openapi, schema)
        assert UNKNOWN not in body
        body[UNKNOWN] = 1
        send = getattr(client, method.lower())
        persian = send(path, body, format="json")
        where = f"{method} {path} as {username} with {body}"
        assert persian.status_code == 400, (where, persian.status_code, persian.content)
        assert persian.json() == {UNKNOWN: [MESSAGE_FA]}, (where, persian.json())
        english = send(path, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert english.status_code == 400, (where, english.status_code, english.content)
        assert english.json() == {UNKNOWN: [MESSAGE_EN]}, (where, english.json())


def test_every_multipart_body_refuses_an_unknown_field_by_name(demo, api, openapi):
    operations = body_operations(openapi, "multipart/form-data")
    assert {f"{method} {template}" for method, template, _schema in operations} == set(MULTIPART_CALLERS)
    for method, template, schema in operations:
        username = MULTIPART_CALLERS[f"{method} {template}"]
        client = api(User.objects.get(username=username))
        path = template.replace("{id}", str(first_id(client, template))) if "{id}" in template else template
        for language, message in ((None, MESSAGE_FA), ("en", MESSAGE_EN)):
            body = {**example(openapi, schema), UNKNOWN: "1"}
            headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
            response = client.post(path, body, format="multipart", **headers)
            assert response.status_code == 400, (path, response.status_code, response.content)
            assert response.json() == {UNKNOWN: [message]}, (path, response.json())


@pytest.mark.parametrize(
    ("raw", "persian", "english"),
    [
        (
            b'{"neighbourhood": 1,',
            "بدنهٔ درخواست JSON معتبر نیست: خطا در سطر 1، ستون 21 است.",
            "The body is not valid JSON: the error is at line 1, column 21.",
        ),
        (
            b'{\n  "address": "x"\n  "neighbourhood": 1\n}',
            "بدنهٔ درخواست JSON معتبر نیست: خطا در سطر 3، ستون 3 است.",
            "The body is not valid JSON: the error is at line 3, column 3.",
        ),
        (
            "{}".encode("utf-16"),
            "بدنهٔ درخواست JSON معتبر نیست: متن UTF-8 نیست.",
            "The body is not valid JSON: it is not UTF-8 text.",
        ),
        (b'{"neighbourhood": NaN}', "بدنهٔ درخواست JSON معتبر نیست.", "The body is not valid JSON."),
    ],
    ids=["cut-short", "missing-comma", "utf-16", "nan"],
)
def test_a_malformed_json_body_is_a_json_400_in_the_callers_language_never_an_html_page(
    demo, api, raw, persian, english
):
    client = api(User.objects.get(username="facilitator"))
    for language, message in ((None, persian), ("en", english)):
        headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
        response = client.generic(
            "POST", "/api/v1/households/", raw, content_type="application/json", **headers
        )
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {"detail": message, "code": "parse_error"}


def test_a_json_body_that_is_not_an_object_is_a_400_for_the_body_as_a_whole(demo, api):
    client = api(User.objects.get(username="facilitator"))
    response = client.post("/api/v1/households/", [1, 2], format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
