import pytest

from tests.api.conftest import _fresh_cache, api, openapi, session_api  # noqa: F401 — fixtures reused
from tests.registry.api.data import build


@pytest.fixture
def reg(world):
    return build(world)
