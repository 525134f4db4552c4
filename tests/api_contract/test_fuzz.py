"""Bounded schema fuzzing: schemathesis sends a few generated requests to every operation of the
live test server and checks each answer against the schema -- no server error, a documented
status, the documented content type and body. A handful of examples per operation keeps the
run to well under three minutes on two shared cores; the seed makes it repeatable."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mahalleh.accounts.services import token_issue

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(schema_document):
    return schemathesis.openapi.from_dict(schema_document)


@pytest.fixture
def fuzz_headers(world):
    # A facilitator reaches every endpoint that has personal data and may write the registry.
    return {"Authorization": f"Token {token_issue(user=world.facilitator_a).key}", "Accept-Language": "en"}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case, live_server, fuzz_headers):
    case.call_and_validate(base_url=live_server.url, headers=fuzz_headers, checks=CHECKS)
