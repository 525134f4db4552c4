import pytest

from tests.api.conftest import api, openapi, session_api  # noqa: F401 — fixtures reused
from tests.registry.api.data import build


@pytest.fixture
def reg(world):
    return build(world)
