"""`mahalleh backup` and `mahalleh restore`: the database (pg_dump custom format on PostgreSQL,
SQLite's online backup API on SQLite) plus the media files, with SHA-256 checksums and the row
count of every table, so a restore can prove it is whole."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.db import connection as default_connection
from django.db import connections

MANIFEST = "manifest.json"
DUMP = "database.dump"
SQLITE = "database.sqlite3"
MEDIA = "media.tar"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env(config: dict) -> dict:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if config.get(key):
            env[var] = str(config[key])
    env["PGDATABASE"] = config["NAME"]
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def table_counts(conn) -> dict[str, int]:
    tables = sorted(t for t in conn.introspection.table_names() if not t.startswith("sqlite_"))
    counts = {}
    with conn.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {conn.ops.quote_name(table)}")  # noqa: S608 - introspected name
            counts[table] = cursor.fetchone()[0]
    return counts


@dataclass
class Result:
    path: Path
    manifest: dict


@contextmanager
def _pg_snapshot(conn) -> Iterator[tuple[str, object]]:
    """A second connection to the database holding a read-only REPEATABLE READ transaction:
    (the id of its exported snapshot, the connection). Whatever reads in that transaction, and a
    pg_dump given the id, see the database as of the same instant, however much is written."""
    snapshot_conn = conn.copy(alias="mahalleh_backup_snapshot")  # not the app's connection
    try:
        with snapshot_conn.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        yield snapshot, snapshot_conn
    finally:
        snapshot_conn.close()  # ends the transaction, which wrote nothing


def _copy_counts(conn, path: Path) -> dict[str, int]:
    """The row counts of the SQLite copy itself: exactly what a restore will find."""
    copy_conn = conn.copy(alias="mahalleh_backup_copy")  # not the app's connection
    copy_conn.settings_dict.update(NAME=str(path), OPTIONS={})  # no WAL pragma on the copy
    try:
        return table_counts(copy_conn)
    finally:
        copy_conn.close()


def backup(*, output: Path, media_root: Path | None = None, conn=None) -> Result:
    """The database and the media files, with the row count of every table taken from what was
    copied (on PostgreSQL in the snapshot pg_dump copies, on SQLite from the copy), so that a
    restore can check it is whole even when the backup ran while users wrote."""
    conn = conn or default_connection
    media_root = Path(media_root or settings.MEDIA_ROOT)
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    target = Path(output) / f"mahalleh-{stamp}"
    target.mkdir(parents=True, exist_ok=False)
    config = conn.settings_dict
    if conn.vendor == "postgresql":
        with _pg_snapshot(conn) as (snapshot, snapshot_conn):
            counts = table_counts(snapshot_conn)
            dump = [
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                "--file",
                str(target / DUMP),
            ]
            subprocess.run(dump, env=_pg_env(config), check=True, capture_output=True, text=True)  # noqa: S603
        database_file = DUMP
    elif conn.vendor == "sqlite":
        conn.ensure_connection()
        with sqlite3.connect(target / SQLITE) as copy:
            conn.connection.backup(copy)  # consistent even while others write
        database_file = SQLITE
        counts = _copy_counts(conn, target / SQLITE)
    else:
        raise BackupError(f"no backup for the {conn.vendor} database")
    with tarfile.open(target / MEDIA, "w") as tar:
        if media_root.exists():
            tar.add(media_root, arcname="media")
    files = {}
    for name in (database_file, MEDIA):
        files[name] = {"sha256": sha256(target / name), "bytes": (target / name).stat().st_size}
    manifest = {
        "format": 1,
        "created": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "engine": conn.vendor,
        "database": database_file,
        "files": files,
        "tables": counts,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return Result(target, manifest)


def verify(path: Path) -> dict:
    """The manifest, once every file's checksum is right; a damaged backup is refused."""
    path = Path(path)
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} is not a Mahalleh backup: {exc}") from None
    for name, meta in manifest["files"].items():
        file = path / name
        if not file.exists():
            raise BackupError(f"backup damaged: {name} is missing")
        if sha256(file) != meta["sha256"]:
            raise BackupError(f"backup damaged: the checksum of {name} does not match the manifest")
    return manifest


def restore(
    *, path: Path, database_url: str | None = None, media_root: Path | None = None, force: bool = False
):
    """Restore a verified backup into an empty database (``database_url``, or the configured one)
    and the media folder; then check that every table has the row count of the backup."""
    path = Path(path)
    manifest = verify(path)
    config = (
        dj_database_url.parse(database_url) if database_url else dict(connections["default"].settings_dict)
    )
    engine = (
        "postgresql"
        if "postgresql" in config["ENGINE"]
        else "sqlite"
        if "sqlite" in config["ENGINE"]
        else "?"
    )
    if engine != manifest["engine"]:
        raise BackupError(f"this backup is of a {manifest['engine']} database, the target is {engine}")
    alias = "mahalleh_restore_target"
    connections.settings[alias] = {**connections["default"].settings_dict, **config, "TEST": {}}
    try:
        target = connections[alias]
        existing = [t for t in target.introspection.table_names() if not t.startswith("sqlite_")]
        if existing and not force:
            raise BackupError(
                f"the target database already has {len(existing)} tables: restore into an empty database "
                "(or pass --force to replace it)"
            )
        if engine == "postgresql":
            target.close()
            args = [
                _tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--dbname",
                config["NAME"],
            ]
            if force:
                args[1:1] = ["--clean", "--if-exists"]
            args.append(str(path / DUMP))
            subprocess.run(args, env=_pg_env(config), check=True, capture_output=True, text=True)  # noqa: S603
        else:
            target.close()
            with sqlite3.connect(path / SQLITE) as source, sqlite3.connect(config["NAME"]) as dest:
                source.backup(dest)
        media_root = Path(media_root or settings.MEDIA_ROOT)
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(path / MEDIA) as tar:
            members = [m for m in tar.getmembers() if m.name == "media" or m.name.startswith("media/")]
            for member in members:
                member.name = member.name[len("media/") :] if member.name != "media" else "."
            tar.extractall(media_root, members=members, filter="data")
        counts = table_counts(target)
    finally:
        connections[alias].close()
        del connections.settings[alias]
    different = {t: (n, counts.get(t)) for t, n in manifest["tables"].items() if counts.get(t) != n}
    if different:
        raise BackupError(f"restored, but these tables differ from the backup (expected, found): {different}")
    return manifest, counts
