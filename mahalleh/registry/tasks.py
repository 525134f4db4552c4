"""Background jobs of the registry (huey): the dry run and the commit of an import."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from mahalleh.registry.importer.jobs import import_job_run, import_jobs_reap, import_uploads_clean


@db_task()
def import_validate_task(job_id: int, language: str = "fa") -> None:
    import_job_run(job_id=job_id, commit=False, language=language)


@db_task()
def import_commit_task(job_id: int, language: str = "fa", actor_id: int | None = None) -> None:
    import_job_run(job_id=job_id, commit=True, language=language, actor_id=actor_id)


@db_periodic_task(crontab(minute="*/5"))
def import_jobs_reap_task() -> None:
    import_jobs_reap()


@db_periodic_task(crontab(minute="20"))
def import_uploads_clean_task() -> None:
    import_uploads_clean()
