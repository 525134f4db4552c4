"""What /readyz reports: the primary, the replicas, the cache, the job queue and the disk."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from mahalleh.core import dbrouting


def check_primary() -> dict:
    started = time.perf_counter()
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        try:
            connections[DEFAULT_DB_ALIAS].close()
        except DatabaseError:
            pass
        return {"ok": False, "error": str(exc).strip().splitlines()[0] if str(exc) else "unreachable"}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_replicas() -> list[dict]:
    result = []
    for alias in dbrouting.replica_aliases():
        status = dbrouting.replica_status(alias, fresh=True)
        entry = {"alias": alias, "ok": status.ok, "lag_seconds": status.lag_seconds}
        if status.error:
            entry["error"] = status.error
        result.append(entry)
    return result


def check_cache() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "backend": "local memory"}
    from django.core.cache import cache

    try:
        client = cache._cache.get_client(write=True)  # the raw client: the cache itself hides errors
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any Redis error is "unreachable"
        return {"ok": False, "backend": "redis", "error": f"cache unreachable: {exc}"}
    return {"ok": True, "backend": "redis"}


def check_disk() -> dict:
    path = Path(settings.MEDIA_ROOT)  # a str when set from the environment or a test
    path.mkdir(parents=True, exist_ok=True)
    free_mb = shutil.disk_usage(path).free // (1024 * 1024)
    return {
        "ok": free_mb >= settings.READY_MIN_FREE_MB,
        "free_mb": free_mb,
        "min_mb": settings.READY_MIN_FREE_MB,
    }


def readiness() -> tuple[bool, dict]:
    """(ready, report). Not ready = this app server cannot serve: the primary is unreachable or its
    disk is full. A replica, the cache or the queue being down degrades but does not stop it."""
    from mahalleh.ops.jobs import queue_status

    report: dict = {"database": check_primary(), "disk": check_disk()}
    report["replicas"] = check_replicas()
    report["cache"] = check_cache()
    if report["database"]["ok"]:
        report["jobs"] = queue_status()
    else:
        report["jobs"] = {"ok": False, "error": "not checked: the database is unreachable"}
    ready = report["database"]["ok"] and report["disk"]["ok"]
    degraded = (
        not all(r["ok"] for r in report["replicas"]) or not report["cache"]["ok"] or not report["jobs"]["ok"]
    )
    report["status"] = "unavailable" if not ready else ("degraded" if degraded else "ok")
    return ready, report
