"""Prometheus metrics of the whole project (prometheus_client), exposed at /metrics by mahalleh.ops.

Defined here, in the lowest layer, so any app can count something without importing ops.
With several gunicorn workers set PROMETHEUS_MULTIPROC_DIR (see docs/deployment.md): each
process then writes its values to that folder and /metrics sums them.
"""

from prometheus_client import Counter, Histogram

REQUEST_LATENCY = Histogram(
    "mahalleh_http_request_duration_seconds",
    "Time to answer a request, by view.",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REQUESTS = Counter(
    "mahalleh_http_requests_total", "Requests answered, by view and status.", ["view", "status"]
)
QUERIES = Histogram(
    "mahalleh_db_queries_per_request",
    "SQL statements run by one request, by view.",
    ["view"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200, 500),
)
JOB_FAILURES = Counter("mahalleh_job_failures_total", "Background jobs that raised an error.", ["task"])
JOBS_DONE = Counter("mahalleh_jobs_completed_total", "Background jobs that finished.", ["task"])
IMPORT_ROWS_PER_SECOND = Histogram(
    "mahalleh_import_rows_per_second",
    "Speed of each import run (rows read per second), by step.",
    ["step"],
    buckets=(100, 1000, 5000, 10000, 25000, 50000, 100000, 200000),
)
IMPORT_ROWS = Counter("mahalleh_import_rows_total", "Rows read by imports, by step.", ["step"])
REPLICA_FALLBACKS = Counter(
    "mahalleh_replica_fallbacks_total", "Routed reads that went to the primary because a replica failed."
)
