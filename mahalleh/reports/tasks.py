"""Background jobs of reports (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from mahalleh.reports.services import report_draft_monthly, report_run


@db_task()
def report_generate_task(report_id: int) -> None:
    report_run(report_id=report_id)


@db_periodic_task(crontab(hour="1", minute="30"))
def report_draft_monthly_task() -> None:
    """Daily at 01:30; drafts only on the 1st of the Jalali month."""
    report_draft_monthly()
