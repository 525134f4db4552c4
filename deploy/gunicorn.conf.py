"""gunicorn settings for deploy/systemd/mahalleh-web.service.

GUNICORN_BIND (127.0.0.1:8000) is where it listens: nginx on the same machine reaches the
default; when nginx (or the load balancer) runs on another host, bind the private address,
e.g. GUNICORN_BIND=10.0.0.13:8000, set FORWARDED_ALLOW_IPS to the proxy's address, and let
only the proxy and the monitoring host reach that port (docs/deployment.md)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# Longer than any page; an export of a province is written to a file first (see nginx's timeouts).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then (memory held by large exports)
max_requests_jitter = 200
# The proxy whose X-Forwarded-* headers are believed (gunicorn's own variable name).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
# One JSON line per request, with the same request id as the app's log lines (nginx sets it).
access_log_format = (
    '{"time":"%(t)s","remote":"%(h)s","method":"%(m)s","path":"%(U)s","status":%(s)s,'
    '"bytes":%(B)s,"ms":%(M)s,"request_id":"%({x-request-id}i)s"}'
)


def child_exit(server, worker):
    # Prometheus multiprocess mode: forget the values of a worker that is gone.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_starting(server):
    # Stale files of a previous run would be summed into the metrics.
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory and os.path.isdir(directory):
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.unlink(os.path.join(directory, name))
