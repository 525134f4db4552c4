"""Run the web server (gunicorn) and the job worker (huey) together; Ctrl-C stops both."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Mahalleh: gunicorn on 127.0.0.1:PORT plus the huey job worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--workers", default=os.environ.get("WEB_WORKERS", "2"))
        parser.add_argument("--logins", action="store_true", help="print the demo logins")

    def handle(self, *args, host, port, workers, logins, **options):
        # Plain log lines for a person at a terminal (production units log JSON, see deploy/).
        env = {"LOG_FORMAT": "text", **os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
        web = subprocess.Popen(  # noqa: S603 - fixed argument list
            [
                sys.executable, "-m", "gunicorn", "config.wsgi:application",
                "--bind", f"{host}:{port}", "--workers", str(workers),
                "--access-logfile", "-", "--graceful-timeout", "5",
            ],
            env=env,
        )  # fmt: skip
        worker = subprocess.Popen(  # noqa: S603 - fixed argument list
            [sys.executable, "-m", "mahalleh.cli", "run_huey", "--workers", "1"], env=env
        )
        children = [web, worker]
        url = f"http://{host}:{port}"
        self.stdout.write(self.style.SUCCESS(f"\nMahalleh is running at {url}  (Ctrl-C stops it)"))
        self.stdout.write(f"Job worker: huey ({'Redis' if settings.REDIS_URL else 'SQLite under var/'})")
        if logins:
            from mahalleh.demo.loader import is_loaded, logins_text

            if is_loaded():
                self.stdout.write(logins_text())

        def stop(*_args):
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()

        signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping the web server and the job worker…")
        finally:
            stop()
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT, None)]
        if failed:
            sys.exit(1)
