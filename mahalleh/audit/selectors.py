"""Every read of the audit trail goes through here, scoped by the user.

Office managers see the entries of their office, province coordinators those of their
province, the national administrator all of them. Nobody else browses the audit
(facilitators, analysts, PR officers and partners get nothing).
"""

import datetime

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from mahalleh.accounts.models import Role
from mahalleh.audit.models import AuditEntry
from mahalleh.core.jalali import TEHRAN
from mahalleh.core.roles import is_national_admin
from mahalleh.core.scoping import NOTHING

AUDIT_ROLES = {Role.NATIONAL_ADMIN, Role.PROVINCE_COORDINATOR, Role.OFFICE_MANAGER}


def can_browse_audit(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.role in AUDIT_ROLES or user.is_superuser


def audit_q(user) -> Q:
    """The entries this user may see."""
    if not can_browse_audit(user):
        return NOTHING
    if is_national_admin(user):
        return Q()
    if user.role == Role.PROVINCE_COORDINATOR:
        return Q(province_id=user.province_id)
    return Q(office_id=user.office_id)


def _start_of(day: datetime.date) -> datetime.datetime:
    # Days are Tehran days: an entry at 01:00 Tehran time belongs to that Tehran date.
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=TEHRAN)


def audit_list(
    *,
    user,
    actor=None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AuditEntry]:
    """Entries in the user's scope, newest first; `since`/`until` are inclusive calendar days."""
    qs = AuditEntry.objects.filter(audit_q(user)).select_related("user").order_by("-pk")
    if actor is not None:
        qs = qs.filter(user=actor)
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=str(object_id))
    if since is not None:
        qs = qs.filter(at__gte=_start_of(since))
    if until is not None:
        qs = qs.filter(at__lt=_start_of(until + datetime.timedelta(days=1)))
    return qs


def audit_get(*, user, pk) -> AuditEntry:
    return get_object_or_404(audit_list(user=user), pk=pk)


def audit_object_types(*, user) -> list[str]:
    """The kinds of object that appear in the user's audit, for the filter."""
    if not can_browse_audit(user):
        return []
    qs = AuditEntry.objects.filter(audit_q(user)).exclude(object_type="")
    return sorted(set(qs.order_by().values_list("object_type", flat=True).distinct()))
