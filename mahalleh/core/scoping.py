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

from mahalleh.core.lookups import BigIntId
from mahalleh.core.roles import NATIONAL_ROLES, OFFICE_ROLES, Role, is_national_admin

if TYPE_CHECKING:
    from mahalleh.accounts.models import User

NOTHING = Q(pk__in=[])


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _is_national(user) -> bool:
    return user.role in NATIONAL_ROLES or user.is_superuser


def _place_q(user: User, prefix: str, province_path: str, office_path: str) -> Q:
    """One level of place in scope: all of it for national roles; for a province coordinator the
    rows whose ``{prefix}{province_path}`` is their province; for office staff those whose
    ``{prefix}{office_path}`` is their office; nothing for anyone else (or an inactive user)."""
    if not _active(user):
        return NOTHING
    if _is_national(user):
        return Q()
    if user.role == Role.PROVINCE_COORDINATOR:
        return Q(**{f"{prefix}{province_path}": user.province_id})
    if user.role in OFFICE_ROLES:
        return Q(**{f"{prefix}{office_path}": user.office_id})
    return NOTHING


def province_q(user: User, prefix: str = "") -> Q:
    """Provinces the user may see (office staff see their own office's province)."""
    return _place_q(user, prefix, "pk", "counties__offices")


def county_q(user: User, prefix: str = "") -> Q:
    return _place_q(user, prefix, "province_id", "offices")


def office_q(user: User, prefix: str = "") -> Q:
    return _place_q(user, prefix, "county__province_id", "pk")


def neighbourhood_q(user: User, prefix: str = "") -> Q:
    """Neighbourhoods (and, through the prefix, anything that lives in one) the user may see."""
    return _place_q(user, prefix, "county__province_id", "office_id")


def resident_q(user: User, prefix: str = "", neighbourhood: str | None = None) -> Q:
    """Registry rows (households, residents, harm cases) that carry a copy of their office.

    For office staff the filter is the row's own ``office_id``, so an office's list is an index
    range scan on ``(office_id, id)``; everyone else is scoped through the neighbourhood, found at
    ``{prefix}neighbourhood__`` unless ``neighbourhood`` gives another path.
    """
    if _active(user) and user.role in OFFICE_ROLES and not _is_national(user):
        # Never ``office_id IS NULL``: that would be every household outside any office.
        # Typed as the column, so the residents' trigram index can take the office too (BigIntId).
        return Q(**{f"{prefix}office_id": BigIntId(user.office_id)}) if user.office_id else NOTHING
    return neighbourhood_q(user, neighbourhood or f"{prefix}neighbourhood__")


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
    if is_national_admin(user):
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
