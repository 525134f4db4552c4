"""The one place where a user's scope becomes a query filter.

Every selector in every app builds its queryset from these functions, so a
view, an API endpoint, an export or a report cannot forget the scope: it can
only ask a selector, and the selector always starts here.

Each function takes the user and an optional lookup prefix (the path from the
model being filtered to the place), e.g. ``neighbourhood_q(user, "household__neighbourhood__")``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from mahalleh.core.roles import NATIONAL_ROLES, OFFICE_ROLES, Role

if TYPE_CHECKING:
    from mahalleh.accounts.models import User

NOTHING = Q(pk__in=[])


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _is_national(user) -> bool:
    return user.role in NATIONAL_ROLES or user.is_superuser


def province_q(user: User, prefix: str = "") -> Q:
    """Provinces the user may see (office staff see their own office's province)."""
    if not _active(user):
        return NOTHING
    if _is_national(user):
        return Q()
    if user.role == Role.PROVINCE_COORDINATOR:
        return Q(**{f"{prefix}pk": user.province_id})
    if user.role in OFFICE_ROLES:
        return Q(**{f"{prefix}counties__offices": user.office_id})
    return NOTHING


def county_q(user: User, prefix: str = "") -> Q:
    if not _active(user):
        return NOTHING
    if _is_national(user):
        return Q()
    if user.role == Role.PROVINCE_COORDINATOR:
        return Q(**{f"{prefix}province_id": user.province_id})
    if user.role in OFFICE_ROLES:
        return Q(**{f"{prefix}offices": user.office_id})
    return NOTHING


def office_q(user: User, prefix: str = "") -> Q:
    if not _active(user):
        return NOTHING
    if _is_national(user):
        return Q()
    if user.role == Role.PROVINCE_COORDINATOR:
        return Q(**{f"{prefix}county__province_id": user.province_id})
    if user.role in OFFICE_ROLES:
        return Q(**{f"{prefix}pk": user.office_id})
    return NOTHING


def neighbourhood_q(user: User, prefix: str = "") -> Q:
    """Neighbourhoods (and, through the prefix, anything that lives in one) the user may see."""
    if not _active(user):
        return NOTHING
    if _is_national(user):
        return Q()
    if user.role == Role.PROVINCE_COORDINATOR:
        return Q(**{f"{prefix}county__province_id": user.province_id})
    if user.role in OFFICE_ROLES:
        return Q(**{f"{prefix}office_id": user.office_id})
    return NOTHING


def can_manage_places(user: User) -> bool:
    return _active(user) and (
        user.role in {Role.NATIONAL_ADMIN, Role.PROVINCE_COORDINATOR} or user.is_superuser
    )


def can_manage_staff(user: User) -> bool:
    return _active(user) and (
        user.role in {Role.NATIONAL_ADMIN, Role.PROVINCE_COORDINATOR, Role.OFFICE_MANAGER}
        or user.is_superuser
    )


def assignable_roles(user: User) -> list[str]:
    """Roles this user may give to the accounts they manage."""
    if not _active(user):
        return []
    if user.role == Role.NATIONAL_ADMIN or user.is_superuser:
        return [r.value for r in Role]
    if user.role == Role.PROVINCE_COORDINATOR:
        return [Role.OFFICE_MANAGER, Role.FACILITATOR, Role.PR_OFFICER]
    if user.role == Role.OFFICE_MANAGER:
        return [Role.FACILITATOR, Role.PR_OFFICER]
    return []


def user_q(user: User, prefix: str = "") -> Q:
    """Staff accounts this user may see in the staff pages and the users API."""
    if not _active(user):
        return NOTHING
    if _is_national(user) and user.role != Role.NATIONAL_ANALYST:
        return Q()
    if user.role == Role.PROVINCE_COORDINATOR:
        return Q(**{f"{prefix}office__county__province_id": user.province_id}) | Q(**{f"{prefix}pk": user.pk})
    if user.role == Role.OFFICE_MANAGER:
        return Q(**{f"{prefix}office_id": user.office_id})
    # Everyone else sees only their own account.
    return Q(**{f"{prefix}pk": user.pk})
