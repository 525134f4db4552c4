"""Registry API and export tests: every /api/v1/ answer is checked against the OpenAPI schema
(the checking client comes from tests/api/conftest.py), on a small registry built through the services."""

import pytest

from tests.api.conftest import api, openapi, session_api  # noqa: F401 — fixtures reused
from tests.registry.api.data import build


@pytest.fixture
def reg(world):
    return build(world)
