"""The API contract as an integrator meets it: a client generated from the live schema, and a
bounded schema-fuzzing run. Both run against a live test server (pytest-django's live_server)."""

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.api.conftest import OpenAPI

PACKAGE = "mahalleh_api_client"
BYTES = "application/octet-stream"
# The file downloads (a report's PDF and XLSX, an import's error report) are documented with their
# own media types, which the generator reads as bytes once told so -- as docs/user-guide.md
# (Reports, "Through the API") tells integrators to, with these lines (a test checks it does).
CONTENT_TYPE_OVERRIDES = {
    "application/pdf": BYTES,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": BYTES,
}


@pytest.fixture(scope="session")
def schema_document(django_db_setup, django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.fixture(scope="session")
def contract(schema_document) -> OpenAPI:
    return OpenAPI(schema_document)


@pytest.fixture(scope="session")
def generated(schema_document, tmp_path_factory):
    """The Python package openapi-python-client generates from the schema, imported."""
    folder = tmp_path_factory.mktemp("generated-client")
    schema_file = folder / "openapi.json"
    schema_file.write_text(json.dumps(schema_document))
    config = folder / "config.yaml"
    # No formatter run: faster, and nothing outside the venv.
    overrides = "".join(f"  {media}: {read_as}\n" for media, read_as in CONTENT_TYPE_OVERRIDES.items())
    config.write_text("post_hooks: []\ncontent_type_overrides:\n" + overrides)
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(  # noqa: S603 — our own venv's tool on our own schema
        [str(generator), "generate", "--path", str(schema_file), "--meta", "none", "--config", str(config)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # No operation the generator cannot use: every answer, the files included, is generated.
    output = result.stdout + result.stderr
    warnings = [line for line in output.splitlines() if line.startswith("WARNING parsing")]
    assert warnings == [], output
    sys.path.insert(0, str(folder))
    try:
        package = importlib.import_module(PACKAGE)
        modules = {}
        for module_file in sorted((folder / PACKAGE / "api" / "v1").glob("v1_*.py")):
            # Every operation module must import (a broken one is a schema the generator cannot use).
            modules[module_file.stem] = importlib.import_module(f"{PACKAGE}.api.v1.{module_file.stem}")
        yield package, modules
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
