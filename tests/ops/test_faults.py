"""Faults survived, on loopback (issue 14 item 7): a full disk during an export, the worker killed
in the middle of an import, PostgreSQL restarted under load.

Each fault is real (a tiny tmpfs, SIGKILL, `pg_ctl restart` of a throwaway cluster on the port
given by FAULT_PG_PORT); a test whose tool or privilege is missing is skipped with the reason.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from mahalleh.audit.models import AuditEntry
from mahalleh.registry.models import Household
from tests.conftest import verified_client
from tests.ops.pgtools import Cluster, accepts_connections, pg_bin, wait_until
from tests.passes import once

ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- disk full


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KiB tmpfs, filled to the last byte: every write there fails with ENOSPC."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): disk-full test SKIPPED: {done.stderr!r}")
    try:
        with open(mount / "filler", "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError:
                pass
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


@pytest.mark.django_db
def test_a_full_disk_during_an_export_gives_a_clear_error_and_no_file(client, world, tiny_disk, settings):
    for n in range(30):
        Household.objects.create(neighbourhood=world.hood_a, address=f"کوچه {n} " + "x" * 200,
                                 created_by=world.facilitator_a)  # fmt: skip
    settings.EXPORT_TMP_DIR = str(tiny_disk)
    verified_client(client, world.facilitator_a)

    response = client.get("/registry/export/?format=csv")

    assert response.status_code == 507
    assert "Content-Disposition" not in response
    assert "دیسک سرور پر است و خروجی ساخته نشد" in response.content.decode()
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler"]  # nothing half-written left
    assert not AuditEntry.objects.filter(action="export").exists()  # not recorded as done


# --------------------------------------------------------------------------- worker killed


def _run(env, *args, timeout=300):
    import json

    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def _own_env(tmp_path, **extra) -> dict:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "PYTEST", "HUEY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        MAHALLEH_VAR_DIR=str(tmp_path / "var"),
        MEDIA_ROOT=str(tmp_path / "media"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        HUEY_IMMEDIATE="0",
        LOG_LEVEL="ERROR",
    )
    env.update(extra)
    return env


@once
def test_a_worker_killed_during_an_import_commit_leaves_nothing_half_written_and_a_retry_works(tmp_path):
    env = _own_env(tmp_path, FAULT_PERSONS="40000")
    steps = ["-m", "tests.ops.fault_steps"]
    _run(env, "-m", "mahalleh.cli", "migrate", "--noinput", "-v0")
    csv_path = tmp_path / "people.csv"
    seeded = _run(env, *steps, "seed", str(csv_path))
    job = _run(env, *steps, "upload", str(csv_path))["job"]

    def job_row():
        import sqlite3

        with sqlite3.connect(tmp_path / "db.sqlite3", timeout=30) as db:
            return db.execute(
                "SELECT status, progress FROM registry_importjob WHERE id = ?", [job]
            ).fetchone()

    # Short polling delays: the consumer must not doze off between the check and the commit.
    worker = subprocess.Popen(
        [sys.executable, "-m", "mahalleh.cli", "run_huey", "--workers", "1", "--delay", "0.05",
         "--max-delay", "0.2", "--no-periodic"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until(lambda: job_row()[0] == "validated", timeout=240, step=0.1)
        _run(env, *steps, "commit", str(job))
        # The worker picks the commit up; kill it once the file is checked again and the one
        # write transaction starts (85 %: the next progress report is inside the transaction).
        wait_until(lambda: job_row()[0] == "committing" and job_row()[1] >= 85, timeout=120, step=0.02)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    after_kill = _run(env, *steps, "status", str(job))
    assert after_kill["status"] == "committing", "the commit ended before the kill: use a larger file"
    assert after_kill["persons"] == 0  # one transaction: nothing of the file is in the registry

    reaped = _run({**env, "IMPORT_STALE_MINUTES": "0"}, *steps, "reap", str(job))
    assert reaped["reaped"] == 1 and reaped["status"] == "failed"
    assert "چیزی از این فایل ذخیره نشد" in reaped["message"]
    assert reaped["persons"] == 0

    # The retry a user would do: upload the same file again (this time the jobs run in-process).
    retry_env = {**env, "HUEY_IMMEDIATE": "1"}
    again = _run(retry_env, *steps, "upload", str(csv_path))
    assert again["status"] == "validated"
    done = _run(retry_env, *steps, "commit", str(again["job"]))
    assert done["status"] == "committed"
    assert done["persons"] == again["rows_valid"] > 0.9 * seeded["rows"]


# --------------------------------------------------------------------------- PostgreSQL restarted


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def throwaway_pg(tmp_path):
    port = int(os.environ.get("FAULT_PG_PORT", "5442"))
    if pg_bin() is None:
        pytest.skip("PostgreSQL server binaries not found: the 'PostgreSQL restarted' test is SKIPPED")
    if os.geteuid() != 0 and shutil.which("initdb") is None:
        pytest.skip("needs root or the postgres user to run a throwaway cluster: SKIPPED")
    if accepts_connections(port):
        pytest.skip(f"port {port} is taken (set FAULT_PG_PORT): the 'PostgreSQL restarted' test is SKIPPED")
    cluster = Cluster(Path("/tmp") / f"mahalleh-fault-pg-{os.getpid()}", port).init()
    cluster.start()
    try:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE mahalleh")
        yield cluster
    finally:
        cluster.destroy()


@once
def test_postgresql_restarted_under_load_fails_cleanly_and_the_app_reconnects(tmp_path, throwaway_pg):
    import json
    import threading

    env = _own_env(tmp_path, DATABASE_URL=throwaway_pg.url("mahalleh"), DB_CONN_MAX_AGE="600")
    _run(env, "-m", "mahalleh.cli", "migrate", "--noinput", "-v0")
    token = _run(env, "-m", "tests.ops.fault_steps", "token")["token"]
    port = _free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--timeout", "60"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/api/v1/me/"

    def get():
        request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    try:
        wait_until(lambda: _get_ok(get), timeout=120, step=0.2)
        results: list = []
        stop = threading.Event()

        def load():
            while not stop.is_set():
                results.append(get())

        threads = [threading.Thread(target=load) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(1)
        throwaway_pg.pg_ctl("-m", "fast", "-w", "-t", "60", "restart")
        time.sleep(1)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        after = [get() for _ in range(4)]  # the same web processes, after the restart
        assert web.poll() is None, "the web process died"
    finally:
        web.terminate()
        web.wait(timeout=30)

    statuses = [status for status, _body in results]
    assert statuses and set(statuses) <= {200, 503}, sorted(set(statuses))
    for status, body in results:
        if status == 503:
            assert json.loads(body)["code"] == "database_unavailable"
    assert [status for status, _body in after] == [200, 200, 200, 200]
    assert json.loads(after[-1][1])["username"] == "fac"


def _get_ok(get) -> bool:
    try:
        return get()[0] == 200
    except OSError:
        return False


# --------------------------------------------------------------------------- lost connection


@pytest.mark.django_db
def test_a_lost_database_connection_in_a_page_is_a_503_asking_to_retry(client, world, monkeypatch):
    from django.db import OperationalError

    from mahalleh.registry import selectors

    def lost(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    verified_client(client, world.facilitator_a)
    monkeypatch.setattr(selectors, "household_list", lost)
    response = client.get("/registry/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "پایگاه داده لحظه‌ای در دسترس نیست" in response.content.decode()


@pytest.mark.django_db
def test_a_lost_connection_inside_a_middleware_is_a_503_too(rf):
    from django.db import OperationalError

    from mahalleh.core.views import error_500

    try:
        raise OperationalError("terminating connection due to administrator command")
    except OperationalError:
        api = error_500(rf.get("/api/v1/me/"))
    assert api.status_code == 503 and api["Content-Type"] == "application/json"
    try:
        raise ValueError("a bug")
    except ValueError:
        other = error_500(rf.get("/registry/"))
    assert other.status_code == 500
