"""deploy/: the nginx site passes `nginx -t`, the systemd units pass `systemd-analyze verify`, and
the upload limit in nginx is at least the app's (issue 14 item 6). `.ci/run` installs nginx."""

import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
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


def _nginx_config(tmp_path, *, https_port=8443, http_port=8080, app_port=8000) -> Path:
    """The shipped site in a throwaway nginx configuration: a self-signed certificate, unprivileged
    ports and the app server on app_port; everything else exactly as shipped."""
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
    site = re.sub(r"listen (\[::\]:)?443", lambda m: f"listen {m.group(1) or ''}{https_port}", site)
    site = re.sub(r"listen (\[::\]:)?80;", lambda m: f"listen {m.group(1) or ''}{http_port};", site)
    site = site.replace("server 127.0.0.1:8000 ", f"server 127.0.0.1:{app_port} ")
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
    return tmp_path / "nginx.conf"


needs_nginx = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed: the nginx tests of deploy/ SKIPPED (.ci/run installs it)"
)


@needs_nginx
def test_the_nginx_site_passes_nginx_t(tmp_path):
    config = _nginx_config(tmp_path)
    done = subprocess.run(
        [NGINX, "-t", "-q", "-p", str(tmp_path), "-c", str(config)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _App(BaseHTTPRequestHandler):
    """Stands in for gunicorn: answers every path with the path it was asked for."""

    def do_GET(self):  # noqa: N802 - the http.server API
        body = f"app served {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@needs_nginx
def test_the_nginx_site_passes_story_photos_to_the_app_and_keeps_other_uploads_private(tmp_path):
    app = HTTPServer(("127.0.0.1", 0), _App)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    https_port = _free_port()
    config = _nginx_config(tmp_path, https_port=https_port, http_port=_free_port(), app_port=app.server_port)
    nginx = subprocess.Popen(  # noqa: S603 - fixed argument list
        [NGINX, "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    tls = ssl.create_default_context()
    tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE  # the throwaway self-signed one

    def get(path):
        conn = http.client.HTTPSConnection("127.0.0.1", https_port, context=tls, timeout=10)
        try:
            conn.request("GET", path, headers={"Host": "mahalleh.example.org"})
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                get("/healthz")
                break
            except OSError:
                assert nginx.poll() is None, nginx.stderr.read().decode()
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
        photo = "/media/stories/8f3a2c1d9e/photo-960.webp"
        assert get(photo) == (200, f"app served {photo}")  # the app decides who may see it
        assert get("/fa/") == (200, "app served /fa/")
        assert get("/media/imports/42/households.xlsx")[0] == 404  # never reaches the app
        assert get("/metrics")[0] == 404
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        app.shutdown()


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


def _gunicorn_config(**env) -> dict:
    """The settings gunicorn would run deploy/gunicorn.conf.py with, under this environment."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    inherited = {k: v for k, v in os.environ.items() if k not in {"GUNICORN_BIND", "FORWARDED_ALLOW_IPS"}}
    done = subprocess.run(
        [str(gunicorn), "--print-config", "-c", str(DEPLOY / "gunicorn.conf.py"), "config.wsgi:application"],
        cwd=ROOT, env={**inherited, **env}, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return {
        name.strip(): value.strip()
        for name, _eq, value in (line.partition("=") for line in done.stdout.splitlines())
    }


def test_gunicorn_listens_on_loopback_unless_told_and_trusts_the_proxy_it_is_told():
    default = _gunicorn_config()
    assert default["bind"] == "['127.0.0.1:8000']"
    assert default["forwarded_allow_ips"] == "['127.0.0.1', '::1']"
    # A second app server, behind nginx on app1 (10.0.0.12), as docs/deployment.md sets it up.
    app2 = _gunicorn_config(GUNICORN_BIND="10.0.0.13:8000", FORWARDED_ALLOW_IPS="10.0.0.12")
    assert app2["bind"] == "['10.0.0.13:8000']"
    assert app2["forwarded_allow_ips"] == "['10.0.0.12']"


WORKER = r"""
import json, django
django.setup()
from django.core.management import call_command
from huey.contrib.djhuey import HUEY

started = {}

class Consumer:
    def run(self):
        started["ran"] = True

def create_consumer(**options):
    started.update(periodic=options["periodic"], workers=options["workers"])
    return Consumer()

HUEY.create_consumer = create_consumer  # what `mahalleh run_huey` would start, without running it
call_command("run_huey", "--workers", "2")
print(json.dumps(started))
"""


def _worker_options(tmp_path, **env) -> dict:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("HUEY_", "REDIS_", "PYTEST"))}
    inherited.update(DJANGO_SETTINGS_MODULE="config.settings", MAHALLEH_VAR_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", WORKER], cwd=ROOT, env={**inherited, **env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_only_the_worker_left_with_periodic_jobs_queues_them(tmp_path):
    # Two app servers, each with mahalleh-worker on the same Redis: app2 sets HUEY_PERIODIC=false.
    assert _worker_options(tmp_path) == {"periodic": True, "workers": 2, "ran": True}
    assert _worker_options(tmp_path, HUEY_PERIODIC="false") == {"periodic": False, "workers": 2, "ran": True}
