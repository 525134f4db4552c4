"""/healthz, /readyz, /metrics, JSON logs with the request id, and error reports to Sentry."""

import gzip
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import override_settings

from tests.conftest import verified_client


def test_healthz_answers_without_the_database(client):
    # No django_db mark: pytest-django fails the test if the view touches the database.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_database_disk_cache_and_job_queue(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    report = response.json()
    assert report["status"] in {"ok", "degraded"}
    assert report["database"]["ok"] is True
    assert report["disk"]["free_mb"] > 0
    assert "pending" in report["jobs"] and report["jobs"]["oldest_queued_import_seconds"] == 0
    assert report["replicas"] == [{"alias": a, "ok": True, "lag_seconds": 0.0} for a in report_replicas()]


def report_replicas():
    from django.conf import settings

    return settings.DATABASE_REPLICAS


@pytest.mark.django_db
def test_readyz_is_unavailable_when_the_disk_is_nearly_full(client):
    with override_settings(READY_MIN_FREE_MB=10**12):  # more than any disk has
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["disk"]["ok"] is False


@pytest.mark.django_db
def test_readyz_shows_a_clear_error_when_the_job_queue_is_unreachable(client, monkeypatch):
    from huey.contrib.djhuey import HUEY

    def down():
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(HUEY, "pending_count", down)
    response = client.get("/readyz")
    assert response.status_code == 200  # the web still serves
    report = response.json()
    assert report["status"] == "degraded"
    assert report["jobs"]["ok"] is False
    assert report["jobs"]["error"].startswith("job queue unreachable")


@pytest.mark.django_db
def test_metrics_are_refused_to_other_addresses_and_served_to_allowed_ones(client, world):
    verified_client(client, world.facilitator_a)
    client.get("/registry/")  # one request of a view, to be counted

    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'mahalleh_http_request_duration_seconds_count{method="GET",view="registry:household_list"}' in text
    assert 'mahalleh_db_queries_per_request_count{view="registry:household_list"}' in text
    assert "mahalleh_job_queue_depth" in text
    assert 'mahalleh_import_jobs{status="failed"}' in text


@pytest.mark.django_db
def test_metrics_with_the_token_from_anywhere(client):
    with override_settings(METRICS_TOKEN="s3cret-token", METRICS_ALLOWED_IPS=[]):
        assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
        ok = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert ok.status_code == 200


def test_every_response_carries_a_request_id_and_keeps_a_sane_one_from_the_proxy(client):
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc123def456")["X-Request-ID"] == "abc123def456"
    injected = client.get("/healthz", HTTP_X_REQUEST_ID="bad\nid injected")["X-Request-ID"]
    assert "\n" not in injected and injected != "bad\nid injected"


def test_log_lines_are_json_with_the_request_id():
    from mahalleh.core.logging import JsonFormatter, RequestIdFilter, request_id_var

    token = request_id_var.set("req-12345678")
    try:
        record = logging.LogRecord(
            "mahalleh.test", logging.WARNING, __file__, 1, "import %s failed", (7,), None
        )
        RequestIdFilter().filter(record)
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    entry = json.loads(line)
    assert entry["message"] == "import 7 failed"
    assert entry["request_id"] == "req-12345678"
    assert entry["level"] == "WARNING" and entry["logger"] == "mahalleh.test"


class _Collector(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        # The SDK compresses with brotli when the module is installed, else with gzip.
        encoding = (self.headers.get("Content-Encoding") or "").lower()
        if encoding == "br":
            import brotli

            body = brotli.decompress(body)
        elif encoding == "gzip" or body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        _Collector.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.django_db
def test_an_error_goes_to_sentry_with_the_request_id_and_no_personal_data(client, world, settings):
    import sentry_sdk

    from mahalleh.core.errors_sentry import sentry_init

    server = HTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Collector.received.clear()
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    try:
        sentry_init(dsn=f"http://public@127.0.0.1:{server.server_port}/1", environment="test")
        verified_client(client, world.facilitator_a)
        client.raise_request_exception = False
        from mahalleh.registry import views_export

        def broken(**kwargs):
            raise RuntimeError("export exploded")

        original = views_export.exports.export_households
        views_export.exports.export_households = broken
        try:
            response = client.get("/registry/export/?format=csv", HTTP_X_REQUEST_ID="trace-0000abcd")
        finally:
            views_export.exports.export_households = original
        assert response.status_code == 500
        sentry_sdk.flush(timeout=5)
    finally:
        sentry_sdk.init(dsn=None)
        server.shutdown()
    text = b"\n".join(_Collector.received).decode("utf-8", "replace")
    assert "export exploded" in text
    assert "trace-0000abcd" in text
    assert '"username"' not in text and '"email"' not in text and "sessionid" not in text
