"""PostgreSQL servers the operations tests may stop and start: never the shared one on 5432."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import psycopg


def pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


def as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a PostgreSQL server tool as the postgres user (the server refuses to run as root)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120, **kwargs)


def wait_until(predicate, *, timeout: float = 30.0, step: float = 0.1):
    """Poll until predicate() is truthy (what a user would wait for), else fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout} s: {predicate}")
        time.sleep(step)


def accepts_connections(port: int, dbname: str = "postgres") -> bool:
    try:
        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname=dbname, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary directory, on its own loopback port."""

    def __init__(self, root: Path, port: int):
        self.root = Path(root)
        self.port = port
        self.data = self.root / "data"
        self.bin = pg_bin()

    def init(self) -> Cluster:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        as_postgres(
            [str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"]
        )
        with open(self.data / "postgresql.auto.conf", "a") as f:
            f.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\nfsync = off\n"
            )
        return self

    def pg_ctl(self, *args: str) -> None:
        as_postgres(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), *args]
        )

    def start(self) -> None:
        self.pg_ctl("-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "-w", "stop")

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)
