"""Import jobs: the writes around an :class:`ImportJob` (upload, dry run, commit), and its selectors.

Flow: :func:`import_job_start` stores the upload and queues the dry run (status *queued →
validating → validated*); :func:`household_import_commit` queues the commit (*committing →
committed*). Both background steps run :func:`pipeline.run_import` on the stored file, so the
commit checks again against the registry as it is at that moment.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
import uuid
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from mahalleh.core.metrics import IMPORT_ROWS, IMPORT_ROWS_PER_SECOND
from mahalleh.core.services import require
from mahalleh.core.uploads import check_upload_size
from mahalleh.geo.models import Neighbourhood
from mahalleh.geo.selectors import neighbourhood_list
from mahalleh.registry.importer.messages import ImportFileError, file_text
from mahalleh.registry.importer.pipeline import COUNT_FIELDS, run_import
from mahalleh.registry.importer.readers import sniff
from mahalleh.registry.models import ImportJob
from mahalleh.registry.selectors import can_edit_registry

logger = logging.getLogger(__name__)

NEIGHBOURHOOD_NOT_YOURS = _(
    "This neighbourhood is not one of your office's neighbourhoods. Choose one from the list."
)

RUNNING = {ImportJob.Status.QUEUED, ImportJob.Status.VALIDATING, ImportJob.Status.COMMITTING}


# --------------------------------------------------------------------------- selectors


def can_import(user) -> bool:
    return can_edit_registry(user) and bool(getattr(user, "office_id", None))


def import_job_list(*, user) -> QuerySet[ImportJob]:
    """The imports of the user's own office (only roles that edit the registry see them)."""
    if not can_import(user):
        return ImportJob.objects.none()
    return ImportJob.objects.filter(office_id=user.office_id).select_related(
        "uploaded_by", "office", "default_neighbourhood"
    )


def import_neighbourhood_choices(*, user) -> QuerySet[Neighbourhood]:
    """The neighbourhoods an import may put households in: the target neighbourhoods of the user's
    office, through geo's scoped selector."""
    if not can_import(user):
        return Neighbourhood.objects.none()
    return neighbourhood_list(user=user, office=user.office_id, kind=Neighbourhood.Kind.TARGET).order_by(
        "name_fa", "code"
    )


def import_job_get(*, user, pk) -> ImportJob:
    return get_object_or_404(import_job_list(user=user), pk=pk)


# --------------------------------------------------------------------------- services


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _default_neighbourhood(*, actor, chosen, language: str) -> Neighbourhood | None:
    """The neighbourhood for rows without one: the chosen one if it is one of the actor's office's
    (else a ValidationError at ``default_neighbourhood``); nothing chosen, the office's only one."""
    choices = import_neighbourhood_choices(user=actor)
    if chosen is None or chosen == "":
        only = list(choices[:2])
        return only[0] if len(only) == 1 else None
    pk = chosen.pk if isinstance(chosen, Neighbourhood) else chosen
    if isinstance(pk, str) and pk.strip().isdigit():
        pk = int(pk)
    # An id out of the database's range is no neighbourhood either (and no OverflowError).
    valid = isinstance(pk, int) and not isinstance(pk, bool) and 0 < pk < 2**63
    found = choices.filter(pk=pk).first() if valid else None
    if found is None:
        with translation.override(language):
            raise ValidationError(
                {"default_neighbourhood": [str(NEIGHBOURHOOD_NOT_YOURS)]}, code="neighbourhood_not_yours"
            )
    return found


def import_job_create(*, actor, upload, language: str | None = None, default_neighbourhood=None) -> ImportJob:
    """Store an uploaded file as a new import of the actor's office; a file that is not a
    spreadsheet or is empty is refused at once with a ValidationError on ``file``.

    ``default_neighbourhood`` (a Neighbourhood or its id): where households whose rows name no
    neighbourhood go; it must be one of the actor's office's target neighbourhoods, else a
    ValidationError on ``default_neighbourhood``."""
    require(can_import(actor))
    language = language or translation.get_language()
    with translation.override(language):
        check_upload_size(upload, kind="import")
    default = _default_neighbourhood(actor=actor, chosen=default_neighbourhood, language=language)
    name = os.path.basename(getattr(upload, "name", "") or "upload")[:255]
    job = ImportJob(
        office_id=actor.office_id, uploaded_by=actor, original_name=name, default_neighbourhood=default
    )
    # A random stored name: the original may carry personal data and odd characters.
    job.file.save(f"{uuid.uuid4().hex}{Path(name).suffix.lower()[:8]}", upload, save=False)
    try:
        job.file_format = sniff(job.file.path, name)
    except ImportFileError as exc:
        job.file.delete(save=False)
        with translation.override(language or translation.get_language()):
            raise ValidationError({"file": [exc.text()]}, code=exc.code) from None
    job.sha256 = _sha256(job.file.path)
    job.save()
    return job


def import_job_start(*, actor, upload, language: str | None = None, default_neighbourhood=None) -> ImportJob:
    """Create the job and queue its dry run."""
    from mahalleh.registry.tasks import import_validate_task

    language = language or translation.get_language() or "fa"
    job = import_job_create(
        actor=actor, upload=upload, language=language, default_neighbourhood=default_neighbourhood
    )
    try:
        import_validate_task(job.pk, language)
    except Exception as exc:  # the queue (Redis) is unreachable: take nothing, say so
        logger.error("import %s could not be queued: %s", job.pk, exc)
        job.file.delete(save=False)
        job.delete()
        with translation.override(language):
            raise ValidationError(
                {
                    "file": [
                        _(
                            "The job queue is not reachable right now, so the file was not taken. "
                            "Try again in a minute."
                        )
                    ]
                },
                code="queue_unavailable",
            ) from None
    job.refresh_from_db()
    return job


def household_import_commit(*, actor, job: ImportJob, language: str | None = None) -> ImportJob:
    """Queue the commit of a checked import's valid rows (one transaction, in the background)."""
    from mahalleh.registry.tasks import import_commit_task

    require(can_import(actor) and job.office_id == actor.office_id)
    language = language or translation.get_language() or "fa"
    if job.status != ImportJob.Status.VALIDATED:
        raise ValidationError(
            _("Only a checked import that has not been saved yet can be saved."), code="state"
        )
    if not job.rows_valid:
        raise ValidationError(_("This import has no valid rows to save."), code="empty")
    taken = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATED).update(
        status=ImportJob.Status.COMMITTING, progress=0, message=""
    )
    if not taken:  # a second click, or another tab, got there first
        raise ValidationError(_("This import is already being saved."), code="state")
    import_commit_task(job.pk, language, actor.pk)
    job.refresh_from_db()
    return job


def _set(job_id: int, **fields) -> None:
    fields.setdefault("updated_at", timezone.now())
    ImportJob.objects.filter(pk=job_id).update(**fields)


def import_job_run(*, job_id: int, commit: bool, language: str = "fa", actor_id: int | None = None) -> None:
    """The background step: dry run or commit of a stored job. Never raises; a failure ends up as
    the job's status and message."""
    job = ImportJob.objects.select_related("office__county", "uploaded_by").get(pk=job_id)
    actor = job.uploaded_by
    if actor_id and actor_id != actor.pk:
        from django.contrib.auth import get_user_model

        actor = get_user_model().objects.get(pk=actor_id)
    working = ImportJob.Status.COMMITTING if commit else ImportJob.Status.VALIDATING
    _set(job.pk, status=working, progress=0, message="")
    last = [-1]

    def progress(fraction: float) -> None:
        percent = max(0, min(99, int(fraction * 100)))
        if percent > last[0]:
            last[0] = percent
            _set(job.pk, progress=percent)

    report_fd, report_path = tempfile.mkstemp(suffix=".xlsx")
    os.close(report_fd)
    started = time.perf_counter()
    with translation.override(language):
        try:
            result = run_import(
                path=job.file.path,
                name=job.original_name,
                office=job.office,
                user=actor,
                commit=commit,
                progress=progress,
                report_path=report_path,
                via="web",
                job_id=job.pk,
                # The same for the dry run and the commit: it is the job's.
                default_neighbourhood=job.default_neighbourhood_id,
            )
        except Exception:
            logger.exception("import job %s failed", job.pk)
            _set(
                job.pk,
                status=ImportJob.Status.FAILED,
                message=file_text("internal"),
                finished_at=timezone.now(),
            )
            os.unlink(report_path)
            return
        step = "commit" if commit else "check"
        elapsed = max(time.perf_counter() - started, 1e-6)
        IMPORT_ROWS.labels(step).inc(result.rows_total)
        IMPORT_ROWS_PER_SECOND.labels(step).observe(result.rows_total / elapsed)
        try:
            fields = {name: getattr(result, name) for name in COUNT_FIELDS}
            if result.failed:
                fields.update(status=ImportJob.Status.FAILED, message=result.file_error.text())
            else:
                fields.update(
                    status=ImportJob.Status.COMMITTED if commit else ImportJob.Status.VALIDATED,
                    message="",
                    errors=result.errors,
                    preview={
                        "rows": result.preview,
                        "empty_rows": result.rows_empty,
                        "error_count": result.error_count,
                        "warnings": result.warnings,
                        "warning_count": result.warning_count,
                        "columns": result.columns,
                        "ignored_columns": result.ignored_columns,
                    },
                )
            fields["finished_at"] = timezone.now()
            fields["progress"] = 100
            for name, value in fields.items():
                setattr(job, name, value)
            if not result.failed and os.path.getsize(report_path):
                if job.report_file:
                    job.report_file.delete(save=False)
                with open(report_path, "rb") as f:
                    job.report_file.save(f"import-{job.pk}-errors.xlsx", File(f), save=False)
            job.save()
        finally:
            if os.path.exists(report_path):
                os.unlink(report_path)


# --------------------------------------------------------------------------- housekeeping


def import_jobs_reap(*, now=None) -> int:
    """Mark as failed the imports whose worker stopped reporting (killed, out of memory, machine
    restarted). Their commit was one transaction, so nothing of the file was written; the user
    is told to upload it again. Returns how many were marked."""
    from datetime import timedelta

    from django.conf import settings

    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.IMPORT_STALE_MINUTES)
    stale = ImportJob.objects.filter(
        status__in=[ImportJob.Status.VALIDATING, ImportJob.Status.COMMITTING], updated_at__lt=cutoff
    )
    count = 0
    for job in stale:
        # Stored in Persian, the UI's default language (the job has no language of its own).
        with translation.override("fa"):
            message = str(
                _(
                    "The import stopped before it finished (the background worker was interrupted). "
                    "Nothing from this file was saved: upload it again."
                )
            )
        count += ImportJob.objects.filter(pk=job.pk, status=job.status, updated_at__lt=cutoff).update(
            status=ImportJob.Status.FAILED, message=message, finished_at=now, updated_at=now
        )
        logger.warning("import %s marked failed: no progress since %s", job.pk, job.updated_at.isoformat())
    return count


def _removed_message() -> str:
    with translation.override("fa"):
        return str(_("Checked but not saved in time: the file was removed. Upload it again to import it."))


def import_uploads_clean(*, now=None) -> int:
    """Delete the stored files of imports that failed, or were checked and never saved, more than
    UPLOAD_KEEP_HOURS ago (they hold residents' personal data). Returns how many files went."""
    from datetime import timedelta

    from django.conf import settings

    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.UPLOAD_KEEP_HOURS)
    old = ImportJob.objects.filter(
        status__in=[ImportJob.Status.FAILED, ImportJob.Status.VALIDATED], updated_at__lt=cutoff
    ).exclude(file="")
    removed = 0
    for job in old:
        for stored in (job.file, job.report_file):
            if stored:
                stored.delete(save=False)
        fields = {"file": "", "report_file": "", "updated_at": now}
        if job.status == ImportJob.Status.VALIDATED:
            fields.update(
                status=ImportJob.Status.FAILED,
                finished_at=now,
                message=str(
                    _("Checked but not saved in time: the file was removed. Upload it again to import it.")
                ),
            )
        ImportJob.objects.filter(pk=job.pk).update(**fields)
        removed += 1
    return removed
