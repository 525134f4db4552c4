"""The restore drill (issue 14 item 5): back up the demo, restore it into a new database, every
table's count matches and the app serves from it. On SQLite always; on PostgreSQL too when this
test run is on PostgreSQL (pg_dump / pg_restore)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

SERVE = r"""
import json, django
django.setup()
from django.conf import settings
# No collectstatic here: serve static files from the app folders, as the tests do.
settings.STORAGES = {**settings.STORAGES,
                     "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
from django.test import Client
from mahalleh.accounts.models import User
c = Client()
c.force_login(User.objects.get(username="facilitator"))
page = c.get("/registry/")
rows = page.content.decode().count('data-testid="household-row"')
print(json.dumps({"status": page.status_code, "has_households": rows > 0}))
"""


def _env(tmp_path, database_url) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings", MAHALLEH_VAR_DIR=str(tmp_path / "var"),
        MEDIA_ROOT=str(tmp_path / "media"), DATABASE_URL=database_url, LOG_LEVEL="ERROR",
    )  # fmt: skip
    return env


def _mahalleh(env, *args, check=True):
    done = subprocess.run(
        [sys.executable, "-m", "mahalleh.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


def _databases(tmp_path):
    """(source URL, empty target URL, cleanup) on the engine of this test run."""
    default = settings.DATABASES["default"]
    if default["ENGINE"].endswith("postgresql"):
        import psycopg

        base = f"postgres://{default['USER']}@{default['HOST'] or '127.0.0.1'}:{default['PORT'] or 5432}"
        names = [f"{default['NAME']}_drill_src", f"{default['NAME']}_drill_dst"][:2]
        admin = dict(
            host=default["HOST"] or "127.0.0.1", port=default["PORT"] or 5432, user=default["USER"],
            password=default.get("PASSWORD") or None, dbname="postgres", autocommit=True,
        )  # fmt: skip

        def run(sql):
            with psycopg.connect(**admin) as conn:
                conn.execute(sql)

        for name in names:
            run(f'DROP DATABASE IF EXISTS "{name}"')
            run(f'CREATE DATABASE "{name}"')

        def cleanup():
            for name in names:
                run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return f"{base}/{names[0]}", f"{base}/{names[1]}", cleanup
    return (
        f"sqlite:///{tmp_path / 'source.sqlite3'}",
        f"sqlite:///{tmp_path / 'restored.sqlite3'}",
        lambda: None,
    )


def test_restore_drill_of_the_demo(tmp_path):
    source_url, target_url, cleanup = _databases(tmp_path)
    try:
        env = _env(tmp_path, source_url)
        _mahalleh(env, "migrate", "--noinput", "-v0")
        _mahalleh(env, "demo", "--quiet")
        photo = tmp_path / "media" / "stories" / "photo.jpg"
        photo.parent.mkdir(parents=True, exist_ok=True)  # the demo's stories have photos there too
        photo.write_bytes(b"\xff\xd8 not really a photo \xff\xd9")

        out = _mahalleh(env, "backup", "--output", str(tmp_path / "backups")).stdout
        folder = Path(out.split("backup written to ")[1].split(" (")[0])
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["tables"]["registry_person"] > 10_000  # it is the demo

        restored = _mahalleh(
            env,
            "restore",
            str(folder),
            "--database-url",
            target_url,
            "--media-root",
            str(tmp_path / "restored-media"),
        ).stdout
        assert "every count matches the backup" in restored
        assert (tmp_path / "restored-media" / "stories" / "photo.jpg").read_bytes() == photo.read_bytes()

        # The app serves from the restored database.
        served = subprocess.run(
            [sys.executable, "-c", SERVE], cwd=ROOT, env=_env(tmp_path, target_url),
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert served.returncode == 0, served.stderr[-3000:]
        assert json.loads(served.stdout.strip().splitlines()[-1]) == {"status": 200, "has_households": True}

        # A second restore into the same (now full) database is refused, not mixed in.
        again = _mahalleh(env, "restore", str(folder), "--database-url", target_url, check=False)
        assert again.returncode != 0 and "already has" in again.stderr

        # A damaged backup is refused before anything is touched.
        with open(folder / "media.tar", "r+b") as f:
            f.seek(600)
            f.write(b"X")
        damaged = _mahalleh(env, "restore", str(folder), "--database-url", target_url, "--force", check=False)
        assert damaged.returncode != 0 and "checksum of media.tar does not match" in damaged.stderr
    finally:
        cleanup()


def test_the_target_engine_must_match_the_backup(tmp_path):
    from mahalleh.ops.backup import BackupError, restore

    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "media.tar").write_bytes(b"")
    from mahalleh.ops.backup import sha256

    manifest = {
        "engine": "postgresql",
        "files": {"media.tar": {"sha256": sha256(folder / "media.tar")}},
        "tables": {},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="postgresql database, the target is sqlite"):
        restore(path=folder, database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")


def _empty_postgresql_database(suffix: str):
    """(URL of a new empty database on the test server, drop it)."""
    import psycopg

    default = settings.DATABASES["default"]
    host, port = default["HOST"] or "127.0.0.1", default["PORT"] or 5432
    name = f"{default['NAME']}_{suffix}"
    admin = dict(
        host=host, port=port, user=default["USER"], password=default.get("PASSWORD") or None,
        dbname="postgres", autocommit=True,
    )  # fmt: skip
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgres://{default['USER']}@{host}:{port}/{name}", drop


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_users_write_restores_with_the_counts_of_its_manifest(tmp_path, monkeypatch):
    from mahalleh.geo.models import Province
    from mahalleh.ops import backup as backups

    Province.objects.create(code="P1", name_fa="کرمان")
    count_tables = backups.table_counts

    def counted_then_written(conn):
        counts = count_tables(conn)
        # A user saves something right after the counts were taken.
        Province.objects.create(code="P2", name_fa="فارس")
        return counts

    monkeypatch.setattr(backups, "table_counts", counted_then_written)
    result = backups.backup(output=tmp_path / "backups", media_root=tmp_path / "media")
    monkeypatch.setattr(backups, "table_counts", count_tables)
    assert Province.objects.count() == 2  # the write went through, the backup did not hold it up

    assert result.manifest["tables"]["geo_province"] == 1

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        target_url, drop = _empty_postgresql_database("snapshot_restore")
    else:
        target_url, drop = f"sqlite:///{tmp_path / 'restored.sqlite3'}", lambda: None
    try:
        # As an operator would: `mahalleh restore` on the backup folder, into an empty database.
        restored = _mahalleh(
            _env(tmp_path, target_url), "restore", str(result.path), "--database-url", target_url,
            "--media-root", str(tmp_path / "restored-media"), check=False,
        )  # fmt: skip
    finally:
        drop()
    # The restore's own check passed: the dump holds exactly what the manifest counted.
    assert restored.returncode == 0, restored.stderr[-2000:]
    assert "every count matches the backup" in restored.stdout
