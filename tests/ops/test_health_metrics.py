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


def metric(client, name: str, **labels) -> float:
    """A sample of /metrics as Prometheus would read it (0 when it is not there yet)."""
    from prometheus_client.parser import text_string_to_metric_families

    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def run_queued_jobs() -> None:
    """Under pytest on SQLite the jobs have already run (immediate mode); on Redis, as the worker."""
    from huey.contrib.djhuey import HUEY

    while not HUEY.immediate and (task := HUEY.dequeue()) is not None:
        HUEY.execute(task)


@pytest.mark.django_db
def test_metrics_show_a_failed_job_and_the_speed_of_an_import(client, world, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from mahalleh.registry.importer.jobs import import_job_start
    from mahalleh.registry.models import ImportJob
    from mahalleh.registry.tasks import import_validate_task
    from tests.registry.importer.conftest import code, person, write_csv

    failures = metric(client, "mahalleh_job_failures_total", task="import_validate_task")
    imports = metric(client, "mahalleh_import_rows_per_second_count", step="check")
    rows = metric(client, "mahalleh_import_rows_total", step="check")

    # A job whose import was deleted before a worker took it: the task raises.
    import_validate_task(10**9)
    run_queued_jobs()
    # An import of three people, checked by the worker.
    path = write_csv(tmp_path / "people.csv", [person(national=code(n), key=f"H{n}") for n in range(3)])
    upload = SimpleUploadedFile("people.csv", path.read_bytes(), content_type="text/csv")
    job = import_job_start(actor=world.facilitator_a, upload=upload)
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED and job.rows_valid == 3

    assert metric(client, "mahalleh_job_failures_total", task="import_validate_task") == failures + 1
    assert metric(client, "mahalleh_import_rows_per_second_count", step="check") == imports + 1
    assert metric(client, "mahalleh_import_rows_total", step="check") == rows + 3
    assert metric(client, "mahalleh_import_rows_per_second_sum", step="check") > 0


@pytest.mark.django_db
def test_readyz_and_metrics_report_the_age_of_the_oldest_waiting_import(client, world):
    from datetime import timedelta

    from django.utils import timezone

    from mahalleh.registry.models import ImportJob

    job = ImportJob.objects.create(
        office=world.office_a, uploaded_by=world.facilitator_a, original_name="people.csv"
    )
    # Queued a minute and a half ago, and no worker has taken it.
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.QUEUED, created_at=timezone.now() - timedelta(seconds=90)
    )
    report = client.get("/readyz").json()
    assert 90 <= report["jobs"]["oldest_queued_import_seconds"] < 120
    assert 90 <= metric(client, "mahalleh_oldest_queued_import_seconds") < 120
    assert metric(client, "mahalleh_import_jobs", status="queued") == 1


READY_WITHOUT_PRIMARY = r"""
import json, django
django.setup()
from django.test import Client
response = Client().get("/readyz")
print(json.dumps({"status": response.status_code, "report": response.json()}))
"""


def test_readyz_is_unavailable_when_the_primary_is_down(tmp_path):
    # An app server whose PostgreSQL does not answer: nothing listens on the port.
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings", MAHALLEH_VAR_DIR=str(tmp_path), LOG_LEVEL="CRITICAL",
        DATABASE_URL=f"postgres://mahalleh@127.0.0.1:{port}/mahalleh",
    )  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", READY_WITHOUT_PRIMARY], cwd=Path(__file__).resolve().parents[2], env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503  # the load balancer takes this app server out
    assert answer["report"]["status"] == "unavailable"
    assert answer["report"]["database"]["ok"] is False
    assert "refused" in answer["report"]["database"]["error"]  # the reason, for the operator


def test_a_lagging_replica_is_skipped_with_one_warning_and_taken_back_when_it_catches_up(monkeypatch, caplog):
    from mahalleh.core import dbrouting

    lag = [95.0]

    class Standby:
        """A PostgreSQL standby as the lag query sees it."""

        vendor = "postgresql"

        def cursor(self):
            standby = self

            class Cursor:
                def __enter__(self):
                    return self

                def __exit__(self, *exc):
                    return False

                def execute(self, sql):
                    standby.sql = sql

                def fetchone(self):
                    return (True, lag[0])

            return Cursor()

    monkeypatch.setattr(dbrouting, "connections", {"replica1": Standby()})
    dbrouting.reset_health()
    try:
        with override_settings(DATABASE_REPLICAS=["replica1"], REPLICA_MAX_LAG_SECONDS=30):
            with caplog.at_level(logging.WARNING, logger="mahalleh.replicas"):
                assert dbrouting.healthy_replica() is None  # 95 s behind: reads go to the primary
                assert dbrouting.replica_status("replica1", fresh=True).ok is False  # still behind
                lag[0] = 2.0
                assert dbrouting.replica_status("replica1", fresh=True).ok is True
                assert dbrouting.healthy_replica() == "replica1"
    finally:
        dbrouting.reset_health()
    warnings = [r.getMessage() for r in caplog.records if r.name == "mahalleh.replicas"]
    assert warnings == [
        "replica replica1 skipped, reads go to the primary: lag 95.0 s",
        "replica replica1 is back in use (lag 2.0 s)",
    ]


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
