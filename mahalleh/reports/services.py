"""Every write of reports: request (queues the background job), run (the job), narrative,
approve (freezes), and the monthly drafts."""

from __future__ import annotations

import datetime
import hashlib
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mahalleh.accounts.models import User
from mahalleh.audit.services import audit_record
from mahalleh.core.jalali import Period, local_date
from mahalleh.core.roles import Role
from mahalleh.geo.models import Office, Province
from mahalleh.reports import builder, render, selectors
from mahalleh.reports.models import Report

logger = logging.getLogger(__name__)


def _today() -> datetime.date:
    return local_date(timezone.now())


def parse_period(code: str, *, today: datetime.date | None = None) -> Period:
    """A Jalali period that has ended, or a ValidationError saying why not."""
    try:
        period = Period.from_code(code)
    except ValueError as exc:
        raise ValidationError(
            {"period": _("Not a period: write 1403-05 (a month), 1403-S2 (a season) or 1403 (a year).")}
        ) from exc
    if not builder.period_ended(period, today or _today()):
        raise ValidationError(
            {"period": _("This period has not ended yet; a report can be made once it is over.")}
        )
    return period


@transaction.atomic
def report_request(
    *, user, scope: str, period: str, province: Province | None = None, language: str = "fa", today=None
) -> Report:
    """Create a new version of the report and queue its generation (after the commit)."""
    if scope not in selectors.generate_scopes(user):
        raise PermissionDenied
    parsed = parse_period(period, today=today)
    if scope == Report.Scope.OFFICE and parsed.kind == "year":
        raise ValidationError({"period": _("An office report covers a month or a season.")})
    if scope != Report.Scope.OFFICE and parsed.kind == "month":
        raise ValidationError({"period": _("Province and national reports cover a season or a year.")})
    office = None
    if scope == Report.Scope.OFFICE:
        office = Office.objects.get(pk=user.office_id)
    elif scope == Report.Scope.PROVINCE:
        if user.role == Role.PROVINCE_COORDINATOR:
            province = Province.objects.get(pk=user.province_id)
        if province is None:
            raise ValidationError({"province": _("Choose the province.")})
    else:
        province = None
    suppressed = selectors.aggregate_only(user)
    key = {
        "scope": scope,
        "office": office,
        "province": province,
        "period": parsed.code,
        "language": language,
        "suppressed": suppressed,
    }
    latest = Report.objects.select_for_update().filter(**key).aggregate(v=Max("version"))["v"] or 0
    report = Report.objects.create(**key, version=latest + 1, created_by=user)
    audit_record(
        user=user,
        action="create",
        obj=report,
        office_id=office.pk if office else None,
        province_id=province.pk if province else (office.county.province_id if office else None),
    )

    def queue():
        from mahalleh.reports.tasks import report_generate_task

        report_generate_task(report.pk)

    transaction.on_commit(queue)
    return report


def report_run(*, report_id: int) -> Report:
    """The background job: build the content, draw the files, mark the report ready (or failed,
    with nothing half-saved: the files are stored only once both were drawn)."""
    report = Report.objects.select_related("office", "province", "created_by").get(pk=report_id)
    if report.status not in {Report.Status.QUEUED, Report.Status.RUNNING}:
        return report
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, progress=5)

    def progress(pct):
        Report.objects.filter(pk=report.pk).update(progress=pct)

    reader = report.created_by
    derived = report.suppressed and reader is not None and not selectors.aggregate_only(reader)
    if derived:  # the aggregate-only version of an approved office report: read as its PR officer
        reader = User(role=Role.PR_OFFICER, office_id=report.office_id, is_active=True)
    try:
        report.content = builder.build(report=report, user=reader, progress=progress)
        report.has_data = report.content["has_data"]
        _draw(report)
    except Exception as exc:  # say so on the page; the job must not leave a half-made report
        logger.exception("report %s failed", report.pk)
        with translation.override(report.language):
            message = _("The report could not be generated: %(error)s") % {"error": exc}
        Report.objects.filter(pk=report.pk).update(status=Report.Status.FAILED, message=message[:500])
        report.refresh_from_db()
        return report
    report.status = Report.Status.READY
    report.progress = 100
    if derived:  # made from an approved report: frozen at once, by the same approver
        report.status = Report.Status.APPROVED
        report.approved_by = report.created_by
        report.approved_at = timezone.now()
    report.save()
    return report


def _draw(report: Report) -> None:
    """Render PDF and XLSX into memory, then store both (replacing an unapproved draft's files)."""
    if report.status == Report.Status.APPROVED:
        raise ValidationError(_("An approved report is frozen."))
    pdf = render.pdf_bytes(report)
    xlsx = render.xlsx_bytes(report)
    stem = f"report-{report.scope}-{report.period}-v{report.version}-{report.pk}"
    old = [f for f in (report.pdf, report.xlsx) if f]
    for f in old:
        f.delete(save=False)
    report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    report.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
    report.sha256 = hashlib.sha256(pdf).hexdigest()


@transaction.atomic
def report_set_narrative(*, user, report: Report, narrative: str) -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not selectors.can_edit_narrative(user, report):
        raise PermissionDenied
    report.narrative = narrative.strip()
    _draw(report)
    report.save()
    audit_record(user=user, action="update", obj=report, changes={"narrative": True})
    return report


@transaction.atomic
def report_approve(*, user, report: Report) -> Report:
    """Freeze the report: its stored PDF's SHA-256, who and when. Never changed afterwards."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not selectors.can_approve(user, report):
        raise ValidationError(_("Only a report that is ready for review can be approved, by its manager."))
    with report.pdf.open("rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    report.sha256 = digest
    report.status = Report.Status.APPROVED
    report.approved_by = user
    report.approved_at = timezone.now()
    report.save(update_fields=["sha256", "status", "approved_by", "approved_at"])
    audit_record(user=user, action="update", obj=report, changes={"status": "approved", "sha256": digest})
    if report.scope == Report.Scope.OFFICE and not report.suppressed:
        _queue_suppressed_version(report=report, user=user)
    return report


def _queue_suppressed_version(*, report: Report, user) -> Report:
    """The version PR officers (and the national analyst) receive: the same office and period with
    counts under 5 suppressed, read as an aggregate-only role, approved with the original."""
    key = {
        "scope": report.scope,
        "office": report.office,
        "province": None,
        "period": report.period,
        "language": report.language,
        "suppressed": True,
    }
    latest = Report.objects.select_for_update().filter(**key).aggregate(v=Max("version"))["v"] or 0
    twin = Report.objects.create(**key, version=latest + 1, created_by=user, narrative=report.narrative)

    def queue():
        from mahalleh.reports.tasks import report_generate_task

        report_generate_task(twin.pk)

    transaction.on_commit(queue)
    return twin


def report_draft_monthly(*, today: datetime.date | None = None) -> int:
    """On the 1st of a Jalali month: draft every office's report of the month that just ended and
    notify its managers. Returns how many were drafted (0 on any other day)."""
    from mahalleh.referrals.services import notification_send

    today = today or _today()
    this_month = Period.containing(today, "month")
    if this_month.first_day != today:
        return 0
    period = this_month.previous()
    made = 0
    for office in Office.objects.order_by("pk"):
        managers = list(
            User.objects.filter(role=Role.OFFICE_MANAGER, office=office, is_active=True).order_by("pk")
        )
        if not managers:
            continue
        if Report.objects.filter(
            scope=Report.Scope.OFFICE, office=office, period=period.code, suppressed=False
        ).exists():
            continue
        report_request(user=managers[0], scope=Report.Scope.OFFICE, period=period.code, today=today)
        with translation.override("fa"):
            message = _(
                "The %(period)s report of %(office)s has been drafted; please review and approve it."
            ) % {
                "period": period.label("fa"),
                "office": office.name,
            }
        notification_send(users=managers, kind="report", message=message)
        made += 1
    return made
