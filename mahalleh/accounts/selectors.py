"""Every read of staff accounts goes through here, scoped by the user."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from mahalleh.accounts.models import User
from mahalleh.core.scoping import user_q


def user_list(*, user, role=None, office=None, active=None) -> QuerySet[User]:
    qs = User.objects.filter(user_q(user)).select_related("province", "office__county", "partner")
    if role:
        qs = qs.filter(role=role)
    if office is not None:
        qs = qs.filter(office=office)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def user_get(*, user, pk) -> User:
    return get_object_or_404(user_list(user=user), pk=pk)
