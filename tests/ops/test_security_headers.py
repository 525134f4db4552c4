"""Content-Security-Policy, HSTS and the TLS proxy header (issue 8 item 13)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import verified_client

TEMPLATES = sorted(Path("mahalleh").glob("*/templates/**/*.html"))
INLINE = [
    (
        re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(ld\+)?json\")[^>]*>", re.I),
        "inline <script>",
    ),
    (re.compile(r"<style\b", re.I), "inline <style>"),
    (re.compile(r"\sstyle=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+=", re.I), "on* event attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\shx-on", re.I), "hx-on attribute (evaluated code)"),
]


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p))
def test_no_template_needs_unsafe_inline(template):
    text = template.read_text(encoding="utf-8")
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert not found, (
        f"{template}: {', '.join(found)} (the CSP forbids it: use a static file / data attribute)"
    )


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client, world):
    verified_client(client, world.facilitator_a)
    response = client.get("/registry/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'none'"
    body = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", body)
    assert " style=" not in body


@pytest.mark.django_db
def test_swagger_ui_starts_without_inline_script(client, world):
    verified_client(client, world.facilitator_a)
    page = client.get("/api/docs/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def _settings_with(env: dict) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps({k: getattr(settings, k, None) for k in "
        "['SECURE_PROXY_SSL_HEADER', 'SECURE_HSTS_SECONDS', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE']}))"
    )
    import json
    import os

    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_secure_cookies_imply_hsts_and_the_proxy_ssl_header():
    on = _settings_with({"SECURE_COOKIES": "true"})
    assert on["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert on["SECURE_HSTS_SECONDS"] >= 180 * 24 * 3600
    assert on["SESSION_COOKIE_SECURE"] and on["CSRF_COOKIE_SECURE"]
    off = _settings_with({"SECURE_COOKIES": ""})
    assert off["SECURE_PROXY_SSL_HEADER"] is None and not off["SECURE_HSTS_SECONDS"]
