"""Every read of partners, referrals and notifications goes through here, scoped by the user.

- Office staff who may read the registry (national admin, province coordinator, office manager,
  facilitator) see the referrals of the offices in their scope.
- A partner user sees only the referrals sent to their own organisation, and of each only the
  minimum personal data (`partner_row`): name, age group, mobile, reason, urgency, due date.
- The national analyst and the PR officer see no referral at all (no personal data).
"""

from __future__ import annotations

import datetime
import statistics

from django.db.models import BooleanField, Case, Count, Q, QuerySet, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from mahalleh.accounts.models import Role
from mahalleh.core.jalali import local_date
from mahalleh.core.roles import is_national_admin
from mahalleh.core.scoping import NOTHING, office_q
from mahalleh.core.selectors import narrowed
from mahalleh.referrals.models import Notification, Partner, Referral, ReferralEvent, Service
from mahalleh.registry.ages import AGE_GROUP_NAMES, AGE_GROUPS
from mahalleh.registry.selectors import can_edit_registry, can_read_registry

OPEN = [s.value for s in Referral.OPEN]
CLOSED = [Referral.Status.DECLINED, Referral.Status.COMPLETED, Referral.Status.CANCELLED]


# --------------------------------------------------------------------------- who may do what


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_partner_user(user) -> bool:
    return _active(user) and user.role == Role.PARTNER_USER and user.partner_id is not None


def can_read_referrals(user) -> bool:
    """Office-side readers of referrals (the same roles that read the registry)."""
    return can_read_registry(user)


def can_refer(user) -> bool:
    """Office staff who send and cancel referrals (for the residents of their own office)."""
    return can_edit_registry(user)


def can_see_partners(user) -> bool:
    """The partner directory: every staff member; a partner user only has their own organisation."""
    return _active(user) and user.role != Role.PARTNER_USER


def can_manage_partners(user) -> bool:
    return _active(user) and (
        user.role in {Role.NATIONAL_ADMIN, Role.PROVINCE_COORDINATOR} or user.is_superuser
    )


def can_edit_partner(user, partner: Partner | None) -> bool:
    """The national admin edits every organisation; a province coordinator those of their province."""
    if not can_manage_partners(user):
        return False
    if is_national_admin(user):
        return True
    return partner is None or (partner.province_id is not None and partner.province_id == user.province_id)


# --------------------------------------------------------------------------- partners and services


def _partner_q(user, prefix: str = "") -> Q:
    """Organisations the user may see: national ones and those of the user's province."""
    if not _active(user):
        return NOTHING
    if user.role == Role.PARTNER_USER:
        return Q(**{f"{prefix}pk": user.partner_id}) if user.partner_id else NOTHING
    if user.role in {Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST} or user.is_superuser:
        return Q()
    if user.role == Role.PROVINCE_COORDINATOR:
        province_id = user.province_id
    elif user.office_id:
        province_id = user.office.county.province_id
    else:
        return NOTHING
    return Q(**{f"{prefix}province__isnull": True}) | Q(**{f"{prefix}province_id": province_id})


def partner_list(*, user, kind: str | None = None) -> QuerySet[Partner]:
    qs = Partner.objects.filter(_partner_q(user)).select_related("province")
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def partner_get(*, user, pk) -> Partner:
    return get_object_or_404(partner_list(user=user), pk=pk)


def service_list(*, user, partner: Partner | None = None, active: bool | None = None) -> QuerySet[Service]:
    qs = Service.objects.filter(_partner_q(user, "partner__")).select_related("partner")
    return narrowed(qs, partner=partner, active=active)


def service_get(*, user, pk) -> Service:
    return get_object_or_404(service_list(user=user), pk=pk)


def services_for_person(*, person) -> QuerySet[Service]:
    """Active services a resident can be referred to: of national organisations and of the
    organisations of the province the resident lives in."""
    province_id = person.household.neighbourhood.county.province_id
    return (
        Service.objects.filter(active=True)
        .filter(Q(partner__province__isnull=True) | Q(partner__province_id=province_id))
        .select_related("partner")
        .order_by("partner__name", "name")
    )


# --------------------------------------------------------------------------- referrals


def overdue_q(today: datetime.date, prefix: str = "") -> Q:
    """Open (sent, accepted, in progress) and past the due date."""
    return Q(**{f"{prefix}status__in": OPEN, f"{prefix}due_on__lt": today})


def _referral_q(user) -> Q:
    if not _active(user):
        return NOTHING
    if user.role == Role.PARTNER_USER:
        return Q(partner_id=user.partner_id) if user.partner_id else NOTHING
    if not can_read_referrals(user):
        return NOTHING
    return office_q(user, "office__")


def referral_list(
    *,
    user,
    status: str | None = None,
    partner: Partner | None = None,
    overdue: bool = False,
    person=None,
    household=None,
    today: datetime.date | None = None,
) -> QuerySet[Referral]:
    """Referrals the user may see, each annotated with `overdue` (as of `today`)."""
    today = today or timezone.localdate()
    qs = (
        Referral.objects.filter(_referral_q(user))
        .select_related("person", "service", "partner", "office", "created_by")
        .annotate(overdue=Case(When(overdue_q(today), then=True), default=False, output_field=BooleanField()))
    )
    if status:
        qs = qs.filter(status=status)
    if partner is not None:
        qs = qs.filter(partner=partner)
    if overdue:
        qs = qs.filter(overdue_q(today)).order_by("due_on", "pk")
    if person is not None:
        qs = qs.filter(person=person)
    if household is not None:
        qs = qs.filter(Q(household=household) | Q(person__household=household))
    return qs


def referral_get(*, user, pk, today: datetime.date | None = None) -> Referral:
    return get_object_or_404(referral_list(user=user, today=today), pk=pk)


def referral_events(*, referral: Referral) -> QuerySet[ReferralEvent]:
    return referral.events.select_related("by").order_by("at", "pk")


def referral_counts(*, user, today: datetime.date | None = None) -> dict[str, int]:
    """How many referrals of each status the user sees, and how many are overdue (for the tabs)."""
    today = today or timezone.localdate()
    qs = Referral.objects.filter(_referral_q(user))
    out = {s: 0 for s in Referral.Status.values}
    for status, n in qs.order_by().values_list("status").annotate(n=Count("pk")):
        out[status] = n
    out["all"] = sum(out.values())
    out["overdue"] = qs.filter(overdue_q(today)).count()
    return out


def age_group(birth: datetime.date | None, on: datetime.date) -> str:
    """The age-group code (DESIGN §2) of someone born on `birth`, on the day `on` ("" if unknown)."""
    if birth is None:
        return ""
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    for code, (low, high) in AGE_GROUPS.items():
        if low <= age <= high:
            return code
    return ""


def partner_row(referral: Referral, *, today: datetime.date | None = None) -> dict:
    """What a partner organisation may know about a referral: the minimum personal data.

    Deliberately a plain dict, not the model: the partner's pages and API cannot reach the
    resident's national code, birth date, address or household through it.
    """

    today = today or timezone.localdate()
    person = referral.person
    code = age_group(person.birth_date, today)
    overdue = getattr(referral, "overdue", None)
    if overdue is None:
        overdue = referral.status in OPEN and referral.due_on < today
    return {
        "id": referral.pk,
        "pk": referral.pk,
        "person_name": person.full_name,
        "age_group": code,
        "age_group_label": str(AGE_GROUP_NAMES[code]) if code else "",
        "mobile": person.mobile,
        "whole_household": referral.household_id is not None,
        "reason": referral.reason,
        "urgency": referral.urgency,
        "urgency_label": referral.get_urgency_display(),
        "due_on": referral.due_on,
        "status": referral.status,
        "status_label": referral.get_status_display(),
        "overdue": bool(overdue),
        "service": referral.service_id,
        "service_name": referral.service.name,
        "office_name": str(referral.office),
        "referred_by": referral.created_by.display_name if referral.created_by_id else "",
        "decline_reason": referral.decline_reason,
        "outcome": referral.outcome,
        "outcome_label": referral.get_outcome_display() if referral.outcome else "",
        "outcome_note": referral.outcome_note,
        "created_at": referral.created_at,
        "accepted_at": referral.accepted_at,
        "closed_at": referral.closed_at,
        "updated_at": referral.updated_at,
    }


# --------------------------------------------------------------------------- statistics


def _days(start: datetime.datetime, end: datetime.datetime) -> float:
    return (end - start).total_seconds() / 86400


def partner_stats(*, user, today: datetime.date | None = None) -> list[dict]:
    """Per organisation, over the referrals the user may see:

    - acceptance rate: accepted ÷ answered (accepted or declined; a referral cancelled before an
      answer does not count);
    - median days to accept: from sending to accepting;
    - completed by the due date: completed on or before the due date ÷ the referrals that were
      due (due date passed, or completed), declined and cancelled ones left out (a declined
      referral is already counted against the acceptance rate).
    """
    today = today or timezone.localdate()
    rows: dict[int, dict] = {}
    for partner in partner_list(user=user):
        rows[partner.pk] = {
            "partner": partner,
            "total": 0,
            "open": 0,
            "overdue": 0,
            "accepted": 0,
            "declined": 0,
            "completed": 0,
            "cancelled": 0,
            "completed_on_time": 0,
            "due": 0,
            "days_to_accept": [],
        }
    qs = Referral.objects.filter(_referral_q(user)).filter(partner_id__in=rows).order_by()
    for partner_id, status, created, accepted, closed, due_on in qs.values_list(
        "partner_id", "status", "created_at", "accepted_at", "closed_at", "due_on"
    ):
        row = rows[partner_id]
        row["total"] += 1
        if status in OPEN:
            row["open"] += 1
            if due_on < today:
                row["overdue"] += 1
        if accepted is not None:
            row["accepted"] += 1
            row["days_to_accept"].append(_days(created, accepted))
        if status == Referral.Status.DECLINED:
            row["declined"] += 1
        if status in {Referral.Status.CANCELLED, Referral.Status.DECLINED}:
            row["cancelled"] += status == Referral.Status.CANCELLED
            continue
        if status == Referral.Status.COMPLETED:
            row["completed"] += 1
            row["due"] += 1
            if closed is not None and local_date(closed) <= due_on:
                row["completed_on_time"] += 1
        elif due_on < today:
            row["due"] += 1
    out = []
    for row in rows.values():
        answered = row["accepted"] + row["declined"]
        days = row.pop("days_to_accept")
        row["acceptance_rate"] = row["accepted"] / answered if answered else None
        row["median_days_to_accept"] = statistics.median(days) if days else None
        row["on_time_rate"] = row["completed_on_time"] / row["due"] if row["due"] else None
        out.append(row)
    out.sort(key=lambda r: (-r["total"], r["partner"].name))
    return out


# --------------------------------------------------------------------------- notifications


def notification_list(*, user, unread: bool | None = None) -> QuerySet[Notification]:
    if not _active(user):
        return Notification.objects.none()
    qs = Notification.objects.filter(user=user).select_related("referral__service", "referral__partner")
    return narrowed(qs, read_at__isnull=unread)


def notification_get(*, user, pk) -> Notification:
    return get_object_or_404(notification_list(user=user), pk=pk)


def unread_count(*, user) -> int:
    return notification_list(user=user, unread=True).count()


# --------------------------------------------------------------------------- counts for reports
# Rows to be counted by office (``.values("office_id").annotate(Count(...))``), never shown: the
# user's place scope from ``core.scoping`` for every staff role, the aggregate-only ones (national
# analyst, PR officer) included, since a count by office carries no personal data. Partner users
# and inactive accounts get nothing.


def referral_counted(*, user) -> QuerySet[Referral]:
    """Referrals sent by the offices in the user's scope, to count (by ``office_id``)."""
    return Referral.objects.filter(office_q(user, "office__")).order_by()
