"""Two writers at once on SQLite (issue 8 item 11): with the shipped settings neither fails with
"database is locked". Uses a real database file, opened with the project's own OPTIONS."""

import threading
import time

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite only: this run is on another database",
)


def wrapper(path, options) -> DatabaseWrapper:
    config = {**settings.DATABASES["default"], "NAME": str(path), "OPTIONS": options, "TEST": {}}
    config.setdefault("TIME_ZONE", None)
    config.setdefault("CONN_HEALTH_CHECKS", False)
    config.setdefault("AUTOCOMMIT", True)
    config.setdefault("ATOMIC_REQUESTS", False)
    return DatabaseWrapper(config, alias=f"writer-{threading.get_ident()}")


def run_two_writers(path, options) -> list[Exception]:
    setup = wrapper(path, options)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS staff (id INTEGER PRIMARY KEY, name TEXT)")
    setup.close()
    errors: list[Exception] = []
    barrier = threading.Barrier(2)

    def writer(name):
        conn = wrapper(path, options)
        connections[conn.alias] = conn  # thread-local: this thread's own connection
        try:
            barrier.wait()
            # Read first, then write, as a form view does (check the username, then insert).
            with transaction.atomic(using=conn.alias):
                with conn.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM staff")
                    cursor.fetchone()
                    time.sleep(0.2)
                    cursor.execute("INSERT INTO staff (name) VALUES (%s)", [name])
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.fixture(autouse=True)
def _own_database_files(django_db_blocker):
    # These connections open their own files in tmp_path, never the test database.
    with django_db_blocker.unblock():
        yield


def test_two_concurrent_writers_both_succeed_with_the_shipped_settings(tmp_path):
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert run_two_writers(tmp_path / "db.sqlite3", options) == []
    conn = wrapper(tmp_path / "db.sqlite3", options)
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM staff ORDER BY name")
        assert [r[0] for r in cursor.fetchall()] == ["a", "b"]
    conn.close()


def test_without_immediate_transactions_the_second_writer_fails_locked(tmp_path):
    # The check that the test above can fail: Django's default (DEFERRED) reproduces the bug.
    options = {k: v for k, v in settings.DATABASES["default"]["OPTIONS"].items() if k != "transaction_mode"}
    errors = run_two_writers(tmp_path / "db.sqlite3", options)
    assert errors and "database is locked" in str(errors[0])
