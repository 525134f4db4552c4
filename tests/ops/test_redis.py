"""Jobs and cache on Redis (issue 14 item 3). Run with REDIS_URL set (`.ci/run` does); the Redis
that goes down is a throwaway redis-server these tests start and kill themselves."""

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from huey.contrib.djhuey import HUEY
from huey.storage import PriorityRedisStorage

from mahalleh.registry.importer.jobs import import_job_start
from mahalleh.registry.models import ImportJob
from tests.conftest import verified_client
from tests.ops.pgtools import wait_until
from tests.registry.importer.conftest import code, person, write_csv

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="REDIS_URL is not set: the Redis job and cache tests are SKIPPED (.ci/run sets it)",
    ),
    pytest.mark.django_db,
]


def upload(tmp_path, name="people.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    path = write_csv(tmp_path / name, [person(national=code(7))])
    return SimpleUploadedFile(name, path.read_bytes(), content_type="text/csv")


def run_queued_jobs() -> int:
    """What the worker does: take each queued task from Redis and run it."""
    done = 0
    while (task := HUEY.dequeue()) is not None:
        HUEY.execute(task)
        done += 1
    return done


@pytest.fixture
def clean_queue():
    HUEY.flush()
    yield
    HUEY.flush()


def test_the_cache_is_redis(clean_queue):
    assert settings.CACHES["default"]["BACKEND"] == "mahalleh.core.cache.TolerantRedisCache"
    cache.set("mahalleh-test-key", {"n": 1}, 30)
    assert cache.get("mahalleh-test-key") == {"n": 1}
    raw = redis.Redis.from_url(settings.REDIS_URL)
    assert any(b"mahalleh-test-key" in key for key in raw.keys("*mahalleh-test-key*"))
    cache.delete("mahalleh-test-key")


def test_an_import_is_queued_in_redis_and_run_by_the_worker(world, tmp_path, clean_queue):
    assert isinstance(HUEY.storage, PriorityRedisStorage)
    job = import_job_start(actor=world.facilitator_a, upload=upload(tmp_path))
    assert job.status == ImportJob.Status.QUEUED
    assert HUEY.pending_count() == 1
    assert run_queued_jobs() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED and job.rows_valid == 1


# --------------------------------------------------------------------------- Redis down


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayRedis:
    def __init__(self, directory):
        self.dir = directory
        self.port = _free_port()
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.dir), "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self._answers, timeout=30)

    def _answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.exceptions.ConnectionError:
            return False

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path, monkeypatch):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: the 'Redis down' test is SKIPPED")
    server = ThrowawayRedis(tmp_path)
    server.start()
    monkeypatch.setattr(HUEY, "storage", PriorityRedisStorage(name="mahalleh-test", url=server.url))
    location = {"default": {"BACKEND": "mahalleh.core.cache.TolerantRedisCache", "LOCATION": server.url}}
    with override_settings(CACHES=location, REDIS_URL=server.url):
        yield server
    if server.proc.poll() is None:
        server.kill()


def test_with_redis_down_the_web_serves_the_health_page_says_why_and_queued_jobs_survive(
    client, world, tmp_path, own_redis
):
    queued = import_job_start(actor=world.facilitator_a, upload=upload(tmp_path, "first.csv"))
    assert HUEY.pending_count() == 1
    cache.set("seen", 1, 60)

    own_redis.kill()

    verified_client(client, world.facilitator_a)
    assert client.get("/registry/").status_code == 200  # pages keep working
    assert cache.get("seen") is None  # a miss, not an error
    ready = client.get("/readyz")
    assert ready.status_code == 200
    report = ready.json()
    assert report["status"] == "degraded"
    assert report["jobs"]["ok"] is False and report["jobs"]["error"].startswith("job queue unreachable")
    assert report["cache"]["ok"] is False

    refused = client.post("/registry/import/", {"file": upload(tmp_path, "second.csv")})
    assert refused.status_code == 400
    assert "صف کارهای پس‌زمینه الان در دسترس نیست" in refused.content.decode()
    assert ImportJob.objects.count() == 1  # only the first, queued before Redis went down

    own_redis.start()  # same directory: Redis reloads its append-only file
    time.sleep(0.2)
    assert HUEY.pending_count() == 1
    assert run_queued_jobs() == 1
    queued.refresh_from_db()
    assert queued.status == ImportJob.Status.VALIDATED
