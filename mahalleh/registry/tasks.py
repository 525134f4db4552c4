"""Background jobs of the registry (huey): the dry run and the commit of an import."""

from huey.contrib.djhuey import db_task

from mahalleh.registry.importer.jobs import import_job_run


@db_task()
def import_validate_task(job_id: int, language: str = "fa") -> None:
    import_job_run(job_id=job_id, commit=False, language=language)


@db_task()
def import_commit_task(job_id: int, language: str = "fa", actor_id: int | None = None) -> None:
    import_job_run(job_id=job_id, commit=True, language=language, actor_id=actor_id)
