"""deploy/: the nginx site passes `nginx -t`, the systemd units pass `systemd-analyze verify`, and
the upload limit in nginx is at least the app's (issue 14 item 6). `.ci/run` installs nginx."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def test_nginx_accepts_uploads_as_large_as_the_app_does():
    site = (DEPLOY / "nginx" / "mahalleh.conf").read_text()
    limit = int(re.search(r"client_max_body_size\s+(\d+)m;", site).group(1))
    assert limit >= max(settings.UPLOAD_LIMITS_MB.values())
    assert "X-Forwarded-Proto $scheme" in site  # what SECURE_PROXY_SSL_HEADER reads
    assert "X-Request-ID $request_id" in site  # the id in the app's JSON logs


@pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed: `nginx -t` of deploy/ SKIPPED (.ci/run installs it)"
)
def test_the_nginx_site_passes_nginx_t(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=mahalleh.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx" / "mahalleh.conf").read_text()
    site = site.replace("/etc/ssl/mahalleh/fullchain.pem", str(cert)).replace(
        "/etc/ssl/mahalleh/privkey.pem", str(key)
    )
    # Unprivileged test ports instead of 80/443; everything else exactly as shipped.
    site = re.sub(r"listen (\[::\]:)?443", lambda m: f"listen {m.group(1) or ''}8443", site)
    site = re.sub(r"listen (\[::\]:)?80;", lambda m: f"listen {m.group(1) or ''}8080;", site)
    (tmp_path / "site.conf").write_text(site)
    mime = "/etc/nginx/mime.types"
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  {'include ' + mime + ';' if Path(mime).exists() else ''}\n"
        f"  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  fastcgi_temp_path {tmp_path}/fcgi;\n  uwsgi_temp_path {tmp_path}/uwsgi;\n"
        f"  scgi_temp_path {tmp_path}/scgi;\n"
        f"  access_log off;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    done = subprocess.run(
        [NGINX, "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze missing: units not verified"
)
def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    venv = Path(__import__("sys").executable).parent
    units = sorted((DEPLOY / "systemd").glob("mahalleh-*"))
    assert {u.name for u in units} >= {
        "mahalleh-web.service",
        "mahalleh-worker.service",
        "mahalleh-backup.timer",
    }
    for unit in units:
        text = (
            unit.read_text().replace("/srv/mahalleh/.venv/bin", str(venv)).replace("/srv/mahalleh", str(ROOT))
        )
        (tmp_path / unit.name).write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *[str(tmp_path / u.name) for u in units]],
        capture_output=True,
        text=True,
    )
    problems = [
        line for line in done.stderr.splitlines()
        # The machine running the tests has no such user or env file; production has both.
        if line.strip() and "mahalleh.env" not in line and "User=" not in line and "Group=" not in line
    ]  # fmt: skip
    assert done.returncode == 0 or not problems, done.stderr
    assert not problems, "\n".join(problems)
