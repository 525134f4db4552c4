"""Every read of community groups goes through here, scoped by the user.

Groups belong to an office. Their members are residents, so only the roles that may read the
registry see them: office staff see their office's groups, a province coordinator the groups of the
province, the national admin all of them. The national analyst, the PR officer and partner users
get nothing (their pages answer 404).
"""

import datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from mahalleh.community.models import ACTIVE_WITHIN_DAYS, CommunityGroup, Meeting, Membership
from mahalleh.core.scoping import NOTHING, office_q
from mahalleh.core.selectors import narrowed
from mahalleh.registry.selectors import can_edit_registry, can_read_registry, person_list, person_search


def can_read_groups(user) -> bool:
    return can_read_registry(user)


def can_edit_groups(user) -> bool:
    """Office staff (manager, facilitator) edit their office's groups; coordinators and the
    national admin only read."""
    return can_edit_registry(user)


def _scope(user, prefix: str = "") -> Q:
    if not can_read_groups(user):
        return NOTHING
    return office_q(user, f"{prefix}office__")


def active_cutoff(on: datetime.date | None = None) -> datetime.date:
    """The earliest meeting date that keeps a group active on ``on`` (default today): a group is
    active if it met in the last 60 days, so a meeting exactly 60 days ago still counts."""
    return (on or timezone.localdate()) - datetime.timedelta(days=ACTIVE_WITHIN_DAYS)


def is_active(last_meeting: datetime.date | None, on: datetime.date | None = None) -> bool:
    return last_meeting is not None and last_meeting >= active_cutoff(on)


def _current_members(prefix: str = "") -> Q:
    return Q(**{f"{prefix}left_on__isnull": True})


def group_list(
    *,
    user,
    kind: str | None = None,
    active: bool | None = None,
    neighbourhood=None,
    office=None,
    query: str | None = None,
    on: datetime.date | None = None,
) -> QuerySet[CommunityGroup]:
    """Groups the user may see, each with ``members_count`` (current members), ``last_meeting``
    (a date or None), ``meetings_count`` and ``is_active`` (met in the 60 days up to ``on``),
    and its current leaders prefetched as ``leaders``."""
    last_meeting = Meeting.objects.filter(group=OuterRef("pk")).order_by("-date").values("date")[:1]
    # Subqueries, not Count() over joins: members and meetings would multiply each other.
    members = (
        Membership.objects.filter(_current_members(), group=OuterRef("pk"))
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    meetings = Meeting.objects.filter(group=OuterRef("pk")).order_by().values("group").annotate(n=Count("pk"))
    leaders = (
        Membership.objects.filter(_current_members(), role=Membership.Role.LEADER)
        .select_related("person")
        .order_by("joined_on", "pk")
    )
    cutoff = active_cutoff(on)
    qs = (
        CommunityGroup.objects.filter(_scope(user))
        .select_related("office", "neighbourhood")
        .annotate(
            last_meeting=Subquery(last_meeting),
            members_count=Coalesce(Subquery(members, output_field=IntegerField()), Value(0)),
            meetings_count=Coalesce(Subquery(meetings.values("n"), output_field=IntegerField()), Value(0)),
        )
        .annotate(
            is_active=Case(
                When(last_meeting__gte=cutoff, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .prefetch_related(Prefetch("memberships", queryset=leaders, to_attr="leaders"))
    )
    qs = narrowed(qs, kind=kind or None, neighbourhood=neighbourhood, office=office)
    if query:
        qs = qs.filter(name__icontains=query.strip())
    if active is True:
        qs = qs.filter(last_meeting__gte=cutoff)
    elif active is False:
        qs = qs.filter(Q(last_meeting__lt=cutoff) | Q(last_meeting__isnull=True))
    return qs


def group_get(*, user, pk) -> CommunityGroup:
    return get_object_or_404(group_list(user=user), pk=pk)


def membership_list(
    *, user, group=None, person=None, household=None, current: bool | None = None
) -> QuerySet[Membership]:
    """Memberships (current and past) of the groups the user may see."""
    qs = Membership.objects.filter(_scope(user, "group__")).select_related("person", "group")
    return narrowed(qs, group=group, person=person, person__household=household, left_on__isnull=current)


def membership_get(*, user, pk) -> Membership:
    return get_object_or_404(membership_list(user=user), pk=pk)


def group_members(*, user, group) -> list[Membership]:
    """The group's members for its page: current ones first (leaders first), then past ones."""
    rows = list(
        membership_list(user=user, group=group).order_by("person__last_name", "person__first_name", "pk")
    )
    current = sorted((m for m in rows if m.left_on is None), key=lambda m: m.role != Membership.Role.LEADER)
    past = sorted((m for m in rows if m.left_on is not None), key=lambda m: (m.left_on, m.pk), reverse=True)
    return current + past


def meeting_list(*, user, group=None) -> QuerySet[Meeting]:
    """Meetings of the groups the user may see, each with ``attendees_count``."""
    qs = (
        Meeting.objects.filter(_scope(user, "group__"))
        .select_related("group", "recorded_by")
        .annotate(attendees_count=Count("attendees", distinct=True))
    )
    return narrowed(qs, group=group)


def meeting_get(*, user, pk) -> Meeting:
    return get_object_or_404(meeting_list(user=user).prefetch_related("attendees"), pk=pk)


def member_candidates(*, user, group, query: str, limit: int = 20) -> list:
    """Residents matching the search box of the group page, each marked ``is_member`` when they
    are already a current member (the page then offers no "add" button for them)."""
    if not (query or "").strip():
        return []
    people = list(person_search(user=user, query=query, limit=limit))
    members = set(
        Membership.objects.filter(
            _current_members(), group=group, person_id__in=[p.pk for p in people]
        ).values_list("person_id", flat=True)
    )
    for p in people:
        p.is_member = p.pk in members
    return people


def person_in_scope(*, user, person) -> bool:
    return person_list(user=user).filter(pk=person.pk).exists()


# --------------------------------------------------------------------------- counts for reports
# Rows to be counted by office (``.values("office_id").annotate(Count(...))``), never shown: the
# user's place scope from ``core.scoping`` for every staff role, the aggregate-only ones (national
# analyst, PR officer) included, since a count by office carries no personal data. Partner users
# and inactive accounts get nothing.


def group_counted(*, user) -> QuerySet[CommunityGroup]:
    """Groups of the offices in the user's scope, to count (by ``office_id``)."""
    return CommunityGroup.objects.filter(office_q(user, "office__")).order_by()


def meeting_counted(*, user) -> QuerySet[Meeting]:
    """Meetings of those groups, to count (by ``group__office_id``)."""
    return Meeting.objects.filter(office_q(user, "group__office__")).order_by()
