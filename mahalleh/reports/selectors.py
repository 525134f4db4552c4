"""Who may read, generate and approve which reports.

- office manager: the reports of their office (generates, reviews, approves);
- province coordinator: the approved office reports of their province, and province reports;
- national admin and national analyst: every approved report, and national/province reports
  (the analyst's versions have small counts suppressed);
- PR officer: the suppressed versions of their office's approved reports.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from mahalleh.core.roles import AGGREGATE_ONLY_ROLES, Role
from mahalleh.reports.models import Report

READERS = {
    Role.OFFICE_MANAGER,
    Role.PROVINCE_COORDINATOR,
    Role.NATIONAL_ADMIN,
    Role.NATIONAL_ANALYST,
    Role.PR_OFFICER,
}


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_read_reports(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in READERS)


def aggregate_only(user) -> bool:
    return user.role in AGGREGATE_ONLY_ROLES


def generate_scopes(user) -> list[str]:
    """The report scopes this user may generate."""
    if not _active(user):
        return []
    if user.role == Role.OFFICE_MANAGER:
        return [Report.Scope.OFFICE]
    if user.role == Role.PROVINCE_COORDINATOR:
        return [Report.Scope.PROVINCE]
    if user.role in {Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST} or user.is_superuser:
        return [Report.Scope.NATION, Report.Scope.PROVINCE]
    return []


def report_q(user) -> Q:
    if not can_read_reports(user):
        return Q(pk__in=[])
    approved = Q(status=Report.Status.APPROVED)
    role = user.role
    if role == Role.OFFICE_MANAGER:
        return Q(scope=Report.Scope.OFFICE, office_id=user.office_id, suppressed=False)
    if role == Role.PR_OFFICER:
        return Q(scope=Report.Scope.OFFICE, office_id=user.office_id, suppressed=True) & approved
    if role == Role.PROVINCE_COORDINATOR:
        office = Q(scope=Report.Scope.OFFICE, office__county__province_id=user.province_id) & approved
        province = Q(scope=Report.Scope.PROVINCE, province_id=user.province_id)
        return (office | province) & Q(suppressed=False)
    if role == Role.NATIONAL_ANALYST:
        own = Q(scope__in=[Report.Scope.NATION, Report.Scope.PROVINCE], created_by=user)
        return Q(suppressed=True) & (approved | own)
    # national admin, superuser
    return approved | Q(scope__in=[Report.Scope.NATION, Report.Scope.PROVINCE])


def report_list(*, user, scope: str | None = None) -> QuerySet[Report]:
    qs = Report.objects.filter(report_q(user)).select_related(
        "office", "province", "created_by", "approved_by"
    )
    if scope:
        qs = qs.filter(scope=scope)
    return qs


def report_get(*, user, pk) -> Report:
    try:
        return report_list(user=user).get(pk=pk)
    except (Report.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def can_approve(user, report: Report) -> bool:
    """The office manager approves their office's reports; whoever generated a province or
    national report (coordinator, national admin) approves it."""
    if report.status != Report.Status.READY:
        return False
    if report.scope == Report.Scope.OFFICE:
        return user.role == Role.OFFICE_MANAGER and user.office_id == report.office_id
    if report.scope == Report.Scope.PROVINCE:
        return (
            user.role == Role.PROVINCE_COORDINATOR
            and user.province_id == report.province_id
            or (user.role in {Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST} and report.created_by_id == user.pk)
        )
    return user.role in {Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST} and report.created_by_id == user.pk


def can_edit_narrative(user, report: Report) -> bool:
    return can_approve(user, report)
