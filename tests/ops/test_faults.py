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

ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- disk full


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KiB tmpfs, filled to the last byte: every write there fails with ENOSPC."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
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
