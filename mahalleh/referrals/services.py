"""Every write of partners, services, referrals and notifications goes through here (audited).

A referral is closed-loop: the office sends it, the partner organisation answers it and reports
the outcome, and every step is a `ReferralEvent` (who, when, note):

    sent ──► accepted ──► in progress ──► completed (with an outcome)
      │          │             │
      │          └────────────►┴──► completed
      ├──► declined (with a reason)
      └──► cancelled ◄── (by the office, from any open state)

Partner users accept, decline, start and complete; the referring office cancels. Anything else
is refused with a message saying why, and nothing is written.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mahalleh.accounts.models import Role
from mahalleh.audit.services import audit_record, audited_create, audited_update, diff
from mahalleh.core.persian import clean_text, to_latin_digits
from mahalleh.core.services import locked_fresh, require
from mahalleh.referrals import notifications, selectors
from mahalleh.referrals.models import Notification, Partner, Referral, ReferralEvent, Service
from mahalleh.registry.models import Consent, Person
from mahalleh.registry.selectors import consent_in_force

S = Referral.Status

# Who may move a referral from one status to another: "partner" (a user of the organisation the
# referral was sent to) or "office" (an editor of the referring office).
TRANSITIONS: dict[str, dict[str, str]] = {
    S.SENT: {S.ACCEPTED: "partner", S.DECLINED: "partner", S.CANCELLED: "office"},
    S.ACCEPTED: {S.IN_PROGRESS: "partner", S.COMPLETED: "partner", S.CANCELLED: "office"},
    S.IN_PROGRESS: {S.COMPLETED: "partner", S.CANCELLED: "office"},
}

# The verbs of the pages and the API, and the status each leads to.
ACTIONS = {
    "accept": S.ACCEPTED,
    "decline": S.DECLINED,
    "start": S.IN_PROGRESS,
    "complete": S.COMPLETED,
    "cancel": S.CANCELLED,
}

PARTNER_FIELDS = ("name", "kind", "province", "contact_name", "contact_phone", "contact_email", "answer_days")
SERVICE_FIELDS = ("name", "description", "answer_days", "active")
MAX_ANSWER_DAYS = 365


def _today() -> datetime.date:
    return timezone.localdate()


# --------------------------------------------------------------------------- partners and services


def _clean_partner_fields(actor, fields: dict) -> dict:
    out = {}
    for key, value in fields.items():
        if key not in PARTNER_FIELDS:
            raise TypeError(key)
        out[key] = clean_text(value) if isinstance(value, str) else value
    if "contact_phone" in out:
        out["contact_phone"] = to_latin_digits(out["contact_phone"] or "").replace(" ", "").replace("-", "")
    if "name" in out and not out["name"]:
        raise ValidationError({"name": _("Enter the organisation's name.")})
    if "answer_days" in out:
        _check_answer_days(out["answer_days"])
    if "province" in out and actor.role == Role.PROVINCE_COORDINATOR:
        province = out["province"]
        if province is None or province.pk != actor.province_id:
            raise ValidationError(
                {"province": _("A province coordinator adds organisations of their own province only.")}
            )
    return out


def _check_answer_days(days) -> None:
    if days is None or not 1 <= int(days) <= MAX_ANSWER_DAYS:
        raise ValidationError(
            {"answer_days": _("Days to answer must be between 1 and %(max)s.") % {"max": MAX_ANSWER_DAYS}}
        )


@transaction.atomic
def partner_create(*, actor, via: str = "web", **fields) -> Partner:
    require(selectors.can_edit_partner(actor, None))
    data = _clean_partner_fields(actor, fields)
    if actor.role == Role.PROVINCE_COORDINATOR and "province" not in data:
        data["province"] = actor.province
    return audited_create(Partner(**data), actor=actor, values=data, via=via)


@transaction.atomic
def partner_update(
    *, actor, partner: Partner, version: str | None = None, via: str = "web", **fields
) -> Partner:
    partner = locked_fresh(partner, version)
    require(selectors.can_edit_partner(actor, partner))
    data = _clean_partner_fields(actor, fields)
    return audited_update(partner, data, actor=actor, via=via)


def _clean_service_fields(fields: dict) -> dict:
    out = {}
    for key, value in fields.items():
        if key not in SERVICE_FIELDS:
            raise TypeError(key)
        out[key] = clean_text(value, multiline=key == "description") if isinstance(value, str) else value
    if "name" in out and not out["name"]:
        raise ValidationError({"name": _("Enter the name of the service.")})
    if "answer_days" in out:
        _check_answer_days(out["answer_days"])
    return out


@transaction.atomic
def service_create(*, actor, partner: Partner, via: str = "web", **fields) -> Service:
    require(selectors.can_edit_partner(actor, partner))
    data = _clean_service_fields(fields)
    data.setdefault("answer_days", partner.answer_days)
    return audited_create(Service(partner=partner, **data), actor=actor, values=data, via=via)


@transaction.atomic
def service_update(
    *, actor, service: Service, version: str | None = None, via: str = "web", **fields
) -> Service:
    service = locked_fresh(service, version, "partner")
    require(selectors.can_edit_partner(actor, service.partner))
    data = _clean_service_fields(fields)
    return audited_update(service, data, actor=actor, via=via)


# --------------------------------------------------------------------------- referrals


def default_due_on(service: Service, *, on: datetime.date | None = None) -> datetime.date:
    """The answer is due the service's usual number of days after sending (or the organisation's)."""
    days = service.answer_days or service.partner.answer_days or 7
    return (on or _today()) + datetime.timedelta(days=days)


@transaction.atomic
def referral_create(
    *,
    actor,
    person: Person,
    service: Service,
    reason: str,
    urgency: str = Referral.Urgency.NORMAL,
    due_on: datetime.date | None = None,
    household=None,
    via: str = "web",
) -> Referral:
    """Refer a resident (or, with `household`, their whole household) to a partner's service.

    Refused — nothing written — when the resident has no referral consent in force, lives
    outside the actor's office, no longer lives in the neighbourhood, or already has an open
    referral to the same service.
    """
    require(selectors.can_refer(actor))
    person = Person.objects.select_related("household__neighbourhood__county").get(pk=person.pk)
    neighbourhood = person.household.neighbourhood
    office_id = neighbourhood.office_id
    require(office_id is not None and office_id == actor.office_id)
    if person.status != Person.Status.ACTIVE:
        raise ValidationError(
            _("%(name)s no longer lives in the neighbourhood and cannot be referred.")
            % {"name": person.full_name},
            code="inactive",
        )
    if not consent_in_force(person=person, purpose=Consent.Purpose.REFERRAL):
        raise ValidationError(
            _(
                "%(name)s has not given consent to be referred to partner organisations, or has "
                "withdrawn it. Record their consent first; the referral was not sent."
            )
            % {"name": person.full_name},
            code="no_consent",
        )
    errors: dict[str, list] = {}
    service = Service.objects.select_related("partner").filter(pk=service.pk).first()
    if service is None or not selectors.services_for_person(person=person).filter(pk=service.pk).exists():
        errors["service"] = [_("Choose a service that is offered in this resident's province.")]
    reason = clean_text(reason or "", multiline=True)
    if not reason:
        errors["reason"] = [_("Say why the resident is referred.")]
    if urgency not in Referral.Urgency.values:
        errors["urgency"] = [_("Choose the urgency.")]
    if due_on is not None and due_on < _today():
        errors["due_on"] = [_("The due date is in the past.")]
    if household is not None and household.pk != person.household_id:
        errors["household"] = [_("A household can only be referred through one of its members.")]
    if errors:
        raise ValidationError(errors)
    if Referral.objects.filter(person=person, service=service, status__in=selectors.OPEN).exists():
        message = _("%(name)s already has an open referral to this service.") % {"name": person.full_name}
        raise ValidationError({"service": ValidationError(message, code="duplicate")})
    referral = Referral.objects.create(
        person=person,
        household=household,
        office_id=office_id,
        service=service,
        partner=service.partner,
        reason=reason,
        urgency=urgency,
        due_on=due_on or default_due_on(service),
        created_by=actor,
    )
    ReferralEvent.objects.create(referral=referral, from_status="", to_status=S.SENT, by=actor)
    audit_record(
        user=actor,
        action="create",
        obj=referral,
        changes=diff(
            {},
            {
                "service": str(service),
                "urgency": urgency,
                "due_on": referral.due_on.isoformat(),
                "household": household.pk if household else None,
            },
        ),
        via=via,
    )
    notifications.referral_sent(referral)
    return referral


def allowed_transitions(*, actor, referral: Referral) -> list[str]:
    """The statuses this user may move the referral to now (for the buttons of the pages)."""
    return [
        to for to, side in TRANSITIONS.get(referral.status, {}).items() if _may_act(actor, referral, side)
    ]


def _may_act(actor, referral: Referral, side: str) -> bool:
    if not (actor and actor.is_authenticated and actor.is_active):
        return False
    if side == "partner":
        return actor.role == Role.PARTNER_USER and actor.partner_id == referral.partner_id
    return selectors.can_refer(actor) and actor.office_id == referral.office_id


@transaction.atomic
def referral_transition(
    *,
    actor,
    referral: Referral,
    to_status: str,
    note: str = "",
    outcome: str = "",
    version: str | None = None,
    via: str = "web",
) -> Referral:
    """Move the referral to another status, or refuse with a message (nothing is written)."""
    referral = locked_fresh(referral, version)
    current = referral.status
    moves = TRANSITIONS.get(current, {})
    if to_status not in moves:
        raise ValidationError(
            _("This referral is “%(current)s”; it cannot be made “%(target)s”.")
            % {
                "current": S(current).label,
                "target": S(to_status).label if to_status in S.values else to_status,
            },
            code="transition",
        )
    side = moves[to_status]
    if not _may_act(actor, referral, side):
        if side == "partner":
            raise PermissionDenied(
                _("Only the organisation the referral was sent to can accept, decline or complete it.")
            )
        raise PermissionDenied(_("Only the office that sent the referral can cancel it."))
    note = clean_text(note or "", multiline=True)
    now = timezone.now()
    before = {"status": current}
    update = ["status", "updated_at"]
    if to_status == S.DECLINED:
        if not note:
            raise ValidationError({"note": _("Give the reason for declining.")}, code="required")
        referral.decline_reason = note
        update.append("decline_reason")
    if to_status == S.COMPLETED:
        if outcome not in Referral.Outcome.values:
            raise ValidationError({"outcome": _("Choose the outcome.")}, code="required")
        if outcome == Referral.Outcome.OTHER and not note:
            raise ValidationError({"note": _("Describe the outcome.")}, code="required")
        referral.outcome = outcome
        referral.outcome_note = note
        update += ["outcome", "outcome_note"]
    if to_status == S.ACCEPTED:
        referral.accepted_at = now
        update.append("accepted_at")
    if to_status in {S.DECLINED, S.COMPLETED, S.CANCELLED}:
        referral.closed_at = now
        update.append("closed_at")
    referral.status = to_status
    referral.save(update_fields=update)
    ReferralEvent.objects.create(
        referral=referral, from_status=current, to_status=to_status, note=note, by=actor
    )
    after = {"status": to_status}
    if outcome and to_status == S.COMPLETED:
        after["outcome"] = outcome
    audit_record(user=actor, action="update", obj=referral, changes=diff(before, after), via=via)
    notifications.referral_changed(referral, to_status=to_status, note=note)
    return referral


def referral_accept(*, actor, referral: Referral, note: str = "", version: str | None = None, via="web"):
    return referral_transition(
        actor=actor, referral=referral, to_status=S.ACCEPTED, note=note, version=version, via=via
    )


def referral_decline(*, actor, referral: Referral, reason: str, version: str | None = None, via="web"):
    return referral_transition(
        actor=actor, referral=referral, to_status=S.DECLINED, note=reason, version=version, via=via
    )


def referral_start(*, actor, referral: Referral, note: str = "", version: str | None = None, via="web"):
    return referral_transition(
        actor=actor, referral=referral, to_status=S.IN_PROGRESS, note=note, version=version, via=via
    )


def referral_complete(
    *, actor, referral: Referral, outcome: str, note: str = "", version: str | None = None, via="web"
):
    return referral_transition(
        actor=actor,
        referral=referral,
        to_status=S.COMPLETED,
        outcome=outcome,
        note=note,
        version=version,
        via=via,
    )


def referral_cancel(*, actor, referral: Referral, note: str = "", version: str | None = None, via="web"):
    return referral_transition(
        actor=actor, referral=referral, to_status=S.CANCELLED, note=note, version=version, via=via
    )


def referral_notify_overdue(*, today: datetime.date | None = None) -> int:
    """Tell both sides about every open referral past its due date — once per referral.

    Each referral is claimed with a conditional UPDATE before anyone is notified, so two runs
    at the same time (or a retried job) cannot notify twice. Returns how many were notified.
    """
    today = today or _today()
    ids = list(
        Referral.objects.filter(selectors.overdue_q(today), overdue_notified_at__isnull=True)
        .order_by("due_on", "pk")
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            claimed = Referral.objects.filter(pk=pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=timezone.now()
            )
            if not claimed:
                continue
            referral = Referral.objects.select_related("service", "partner", "created_by").get(pk=pk)
            notifications.referral_overdue(referral)
            done += 1
    return done


# --------------------------------------------------------------------------- notifications


@transaction.atomic
def notification_mark_read(*, user, notification: Notification) -> Notification:
    if notification.user_id != user.pk:
        raise PermissionDenied(_("Your role does not allow this action."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def notification_send(*, users, kind: str, message: str) -> int:
    """An in-app notification for each of ``users`` about something other than a referral (e.g. a
    drafted report): for apps above referrals that want the bell. Returns how many were made."""
    rows = [
        Notification(user=u, kind=kind[:20], message=message[: notifications.MESSAGE_LENGTH]) for u in users
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)
