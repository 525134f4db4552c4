"""Every read of staff accounts goes through here, scoped by the user."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from mahalleh.accounts.models import User
from mahalleh.core.scoping import user_q
from mahalleh.core.selectors import narrowed


def user_list(*, user, role=None, office=None, active=None) -> QuerySet[User]:
    qs = User.objects.filter(user_q(user)).select_related("province", "office__county", "partner")
    return narrowed(qs, role=role or None, office=office, is_active=active)


def user_get(*, user, pk) -> User:
    return get_object_or_404(user_list(user=user), pk=pk)
