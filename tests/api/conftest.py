"""Every API response in these tests is checked against the OpenAPI schema (as Zulip's test client does).

The schema is fetched once from ``/api/schema/?format=json``. OpenAPI 3.0 is not quite JSON Schema,
so it is converted first: ``nullable: true`` becomes a ``null`` type, and objects that list their
properties refuse undeclared ones (a field the API sends but the schema does not document is a bug).

The checker reads the schema as a generated client does, not more kindly (issue #15): a nullable
enum admits null only if its `enum` lists it (OpenAPI 3.0.3; openapi-python-client refused every
open referral's null outcome while this checker, which used to add the null itself, passed it),
and an answer documented as a union of object shapes with no discriminator is refused whatever
its body (a client cannot tell which shape it got: it tries them in order).
"""

import functools
import json
import re
from unittest import mock

import pytest
from django.db import transaction
from django.test import Client
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from rest_framework.test import APIClient

SCHEMA_URI = "urn:mahalleh:openapi"
CHECKED_PREFIX = "/api/v1/"


def to_json_schema(node):
    """An OpenAPI 3.0 schema (or the whole document) as JSON Schema 2020-12."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: to_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False) is True:
        if "type" in node:
            # An `enum` is left as it is: null passes only where the enum lists it (OpenAPI 3.0.3).
            node["type"] = [node["type"], "null"]
        elif {"$ref", "allOf", "oneOf", "anyOf"} & set(node):
            node = {"anyOf": [node, {"type": "null"}]}
        # A nullable schema with no type (free JSON, e.g. a GeoJSON boundary) constrains nothing.
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if node.get(bound) is True:  # OpenAPI 3.0 spelling; JSON Schema wants the number itself
            node[bound] = node.pop(limit)
        elif node.get(bound) is False:
            del node[bound]
    if node.get("type") == "object" and "properties" in node:
        node.setdefault("additionalProperties", False)
    return node


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


class OpenAPI:
    """The API's own schema, able to check a test-client response against it."""

    def __init__(self, document: dict):
        self.raw = document
        self.document = to_json_schema(document)
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(SCHEMA_URI, resource)
        self.templates = []
        self._validators = {}
        self._unions = {}
        for template in document["paths"]:
            pieces = re.split(r"\{[^}]+\}", template)
            self.templates.append((re.compile("^" + "[^/]+".join(map(re.escape, pieces)) + "$"), template))

    def template_for(self, path: str) -> str | None:
        matches = [template for regex, template in self.templates if regex.match(path)]
        return matches[0] if matches else None

    def errors(self, *, method: str, path: str, status: int, body) -> list[str]:
        """What is wrong with ``body`` as the answer to ``method path`` with ``status`` ([] if nothing)."""
        template = self.template_for(path)
        if template is None:
            return [f"{path} is not documented in the OpenAPI schema"]
        operation = self.document["paths"][template].get(method.lower())
        # Strict: error answers are documented like any other (mahalleh.api.schema), so an
        # undocumented status -- 400, 404, 500 included -- is a mismatch, not a pass.
        if operation is None:
            if status == 405:  # a method the path does not take: refused with the error shape
                return self._problems(_pointer("components", "schemas", "Error"), body)
            return [f"{method} {template} is not documented in the OpenAPI schema"]
        if str(status) not in operation["responses"]:
            return [f"{method} {template} answered {status}, which the schema does not document"]
        documented = operation["responses"][str(status)].get("content", {}).get("application/json", {})
        unions = self.undiscriminated_unions(documented.get("schema", {}))
        if unions:
            return [f"{method} {template} {status} is documented as {union}" for union in unions]
        pointer = _pointer(
            "paths",
            template,
            method.lower(),
            "responses",
            str(status),
            "content",
            "application/json",
            "schema",
        )
        return self._problems(pointer, body)

    def _component(self, node: dict) -> tuple[str | None, dict]:
        if "$ref" not in node:
            return None, node
        name = node["$ref"].rsplit("/", 1)[1]
        return name, self.raw["components"]["schemas"][name]

    def undiscriminated_unions(self, node) -> list[str]:
        """The unions (oneOf/anyOf) of two or more object shapes under `node`, an OpenAPI schema,
        that name no discriminator ([] if none)."""
        key = json.dumps(node, sort_keys=True)
        if key not in self._unions:
            found, seen, todo = [], set(), [node]
            while todo:
                item = todo.pop()
                if isinstance(item, list):
                    todo.extend(item)
                    continue
                if not isinstance(item, dict):
                    continue
                name, item = self._component(item)
                if name is not None:
                    if name in seen:
                        continue
                    seen.add(name)
                for combined in ("oneOf", "anyOf"):
                    branches = [self._component(branch) for branch in item.get(combined, [])]
                    shapes = [name or "an inline object" for name, b in branches if b.get("type") == "object"]
                    if len(shapes) > 1 and "discriminator" not in item:
                        found.append(f"a {combined} of {', '.join(shapes)} with no discriminator")
                todo.extend(item.values())
            self._unions[key] = sorted(found)
        return self._unions[key]

    def media_type_errors(self, *, method: str, path: str, status: int, content_type: str) -> list[str]:
        """What is wrong with a non-JSON answer (a file download): the operation must document
        this status with exactly this media type ([] if it does)."""
        template = self.template_for(path)
        if template is None:
            return [f"{path} is not documented in the OpenAPI schema"]
        operation = self.raw["paths"][template].get(method.lower())
        if operation is None:
            return [f"{method} {template} is not documented in the OpenAPI schema"]
        response = operation["responses"].get(str(status))
        if response is None:
            return [f"{method} {template} answered {status}, which the schema does not document"]
        media_type = content_type.split(";")[0].strip()
        documented = response.get("content", {})
        if media_type not in documented:
            return [
                f"{method} {template} answered {status} with {media_type}, documented: {sorted(documented)}"
            ]
        if documented[media_type].get("schema", {}).get("format") != "binary":
            return [f"{method} {template}: {media_type} is not documented as binary"]
        return []

    def _problems(self, pointer: str, body) -> list[str]:
        if pointer not in self._validators:
            self._validators[pointer] = Draft202012Validator(
                {"$ref": f"{SCHEMA_URI}#/{pointer}"},
                registry=self.registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
        validator = self._validators[pointer]
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}"
            for e in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
        ]

    def check(self, response) -> None:
        request = response.request
        path = request["PATH_INFO"]
        body = json.loads(response.content) if response.content else None
        problems = self.errors(
            method=request["REQUEST_METHOD"], path=path, status=response.status_code, body=body
        )
        assert not problems, (
            f"{request['REQUEST_METHOD']} {path} does not match the OpenAPI schema:\n" + "\n".join(problems)
        )


class SchemaCheckedClient(APIClient):
    """A DRF test client that checks every answer of ``/api/v1/`` against the OpenAPI schema: a JSON
    body against the operation's schema, any other (a file) against the documented media types."""

    openapi: OpenAPI

    def request(self, **kwargs):
        response = super().request(**kwargs)
        if response.request["PATH_INFO"].startswith(CHECKED_PREFIX):
            content_type = response.get("Content-Type", "")
            if content_type.startswith("application/json"):
                self.openapi.check(response)
            else:  # a file download: only where the schema documents that media type as binary
                problems = self.openapi.media_type_errors(
                    method=response.request["REQUEST_METHOD"],
                    path=response.request["PATH_INFO"],
                    status=response.status_code,
                    content_type=content_type,
                )
                assert not problems, "\n".join(problems)
        return response


@pytest.fixture(scope="session")
def openapi(django_db_setup, django_db_blocker) -> OpenAPI:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    return OpenAPI(json.loads(response.content))


@pytest.fixture
def api(openapi):
    """api(user) -> a schema-checked DRF client with the user's token (overrides tests/conftest)."""
    from mahalleh.accounts.services import token_issue

    def _api(user=None):
        client = SchemaCheckedClient()
        client.openapi = openapi
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user).key}")
        return client

    return _api


@pytest.fixture
def session_api(openapi):
    """session_api() -> a schema-checked client with no token (sign in with force_login)."""

    def _client():
        client = SchemaCheckedClient()
        client.openapi = openapi
        return client

    return _client


@pytest.fixture(autouse=True)
def _no_static_scan(settings):
    # Each test client builds the middleware again; with var/static present (after collectstatic)
    # WhiteNoise would stat every file each time (~0.1 s per client). Look files up lazily instead.
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo (with a small registry: 200 households) for the tests of one module, in a
    transaction rolled back after them: records of every kind, for every demo account's role."""
    from mahalleh.demo import loader
    from mahalleh.demo.registry import load_registry

    small = functools.partial(load_registry, households=200, comparison_households=20)
    with django_db_blocker.unblock(), transaction.atomic(), mock.patch.object(loader, "load_registry", small):
        assert loader.load() is True
        yield
        transaction.set_rollback(True)
