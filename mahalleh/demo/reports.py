"""Demo reports: the first office's report of last month (drafted as on the 1st of the month, waiting
for the office manager's approval) and the province's report of the last season, requested through
the reports services as the office manager and the coordinator would. The files are drawn here, so the
demo opens with them (the queued job then finds the report done and leaves it)."""

from __future__ import annotations

from django.utils import timezone

from mahalleh.accounts.models import Role, User
from mahalleh.core.jalali import Period, local_date
from mahalleh.reports import services

__all__ = ["load_reports"]


def load_reports() -> None:
    today = local_date(timezone.now())
    manager = User.objects.filter(username="office_manager", role=Role.OFFICE_MANAGER).first()
    coordinator = User.objects.filter(username="province_coordinator", role=Role.PROVINCE_COORDINATOR).first()
    if manager is not None:
        month = Period.containing(today, "month").previous()
        report = services.report_request(user=manager, scope="office", period=month.code, today=today)
        services.report_run(report_id=report.pk)
    if coordinator is not None:
        season = Period.containing(today, "season").previous()
        report = services.report_request(user=coordinator, scope="province", period=season.code, today=today)
        services.report_run(report_id=report.pk)
