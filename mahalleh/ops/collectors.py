"""Gauges read at scrape time: the job queue, imports by status, the replicas."""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily

from mahalleh.core import dbrouting


class StateCollector:
    def collect(self):
        from django.db.models import Count

        from mahalleh.ops.jobs import queue_status
        from mahalleh.registry.models import ImportJob

        queue = queue_status()
        up = GaugeMetricFamily("mahalleh_job_queue_up", "1 when the job queue answers.")
        up.add_metric([], 1 if queue["ok"] else 0)
        yield up
        depth = GaugeMetricFamily("mahalleh_job_queue_depth", "Jobs waiting in the queue.")
        depth.add_metric([], queue.get("pending", 0) if queue["ok"] else float("nan"))
        yield depth
        oldest = GaugeMetricFamily(
            "mahalleh_oldest_queued_import_seconds", "Age of the oldest waiting import."
        )
        oldest.add_metric([], queue["oldest_queued_import_seconds"])
        yield oldest
        imports = GaugeMetricFamily("mahalleh_import_jobs", "Imports by status.", labels=["status"])
        counts = dict(
            ImportJob.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
        )
        for status in ImportJob.Status.values:
            imports.add_metric([status], counts.get(status, 0))
        yield imports
        replica_up = GaugeMetricFamily("mahalleh_replica_up", "1 when a replica is used.", labels=["alias"])
        lag = GaugeMetricFamily("mahalleh_replica_lag_seconds", "Replay lag of a replica.", labels=["alias"])
        for alias in dbrouting.replica_aliases():
            status = dbrouting.replica_status(alias)
            replica_up.add_metric([alias], 1 if status.ok else 0)
            lag.add_metric([alias], status.lag_seconds if status.lag_seconds is not None else float("nan"))
        yield replica_up
        yield lag
