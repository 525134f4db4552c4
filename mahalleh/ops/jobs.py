"""The job queue as operations sees it: depth, failures, and the age of the oldest waiting import."""

from __future__ import annotations

import logging

from django.utils import timezone

logger = logging.getLogger("mahalleh.jobs")


def connect_signals() -> None:
    from huey.contrib.djhuey import HUEY
    from huey.signals import SIGNAL_COMPLETE, SIGNAL_ERROR

    from mahalleh.core.metrics import JOB_FAILURES, JOBS_DONE

    @HUEY.signal(SIGNAL_ERROR)
    def _failed(signal, task, exc=None):
        JOB_FAILURES.labels(task.name).inc()
        logger.error("job %s (%s) failed: %s", task.name, task.id, exc)

    @HUEY.signal(SIGNAL_COMPLETE)
    def _done(signal, task):
        JOBS_DONE.labels(task.name).inc()


def queue_status() -> dict:
    """Depth of the queue and the oldest import still waiting; a queue that cannot be reached is
    reported with its error, never raised."""
    from huey.contrib.djhuey import HUEY

    from mahalleh.registry.models import ImportJob

    status: dict = {"ok": True, "backend": type(HUEY.storage).__name__}
    try:
        status["pending"] = HUEY.pending_count()
        status["scheduled"] = HUEY.scheduled_count()
    except Exception as exc:  # noqa: BLE001 - any storage error is "queue unreachable"
        status.update(ok=False, error=f"job queue unreachable: {exc}")
    oldest = (
        ImportJob.objects.filter(status=ImportJob.Status.QUEUED).order_by("created_at").values_list(
            "created_at", flat=True
        ).first()
    )  # fmt: skip
    status["oldest_queued_import_seconds"] = (
        round((timezone.now() - oldest).total_seconds(), 1) if oldest else 0
    )
    return status
