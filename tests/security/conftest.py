# The API clients of these tests check every answer against the OpenAPI schema, as in tests/api.
from tests.api.conftest import _no_static_scan, api, openapi  # noqa: F401
