"""Who hears about a referral, and what they are told.

Each notification is a `Notification` row (the bell and the notifications page) and, for users
with an email address, an email sent by a background job once the transaction has committed
(a rolled-back referral sends nothing).

The messages name the referral's number and service, never the resident: an email leaves the
system, and the resident's name is one click away for whoever may see it.

- sent → the users of the partner organisation;
- accepted, declined, completed → the facilitator who referred and the office's managers;
- cancelled → the users of the partner organisation;
- overdue → both sides.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from mahalleh.accounts.models import Role, User
from mahalleh.core.i18n import is_persian
from mahalleh.core.jalali import format_jalali
from mahalleh.core.persian import to_persian_digits
from mahalleh.referrals.models import Notification, Referral

MESSAGE_LENGTH = Notification._meta.get_field("message").max_length

KIND_NEW = "new"
KIND_ACCEPTED = "accepted"
KIND_DECLINED = "declined"
KIND_COMPLETED = "completed"
KIND_CANCELLED = "cancelled"
KIND_OVERDUE = "overdue"


def partner_users(referral: Referral) -> list[User]:
    return list(User.objects.filter(role=Role.PARTNER_USER, partner_id=referral.partner_id, is_active=True))


def office_users(referral: Referral) -> list[User]:
    """The facilitator who referred, and the managers of the referring office."""
    users = list(User.objects.filter(role=Role.OFFICE_MANAGER, office_id=referral.office_id, is_active=True))
    creator = referral.created_by
    if creator is not None and creator.is_active and creator.office_id == referral.office_id:
        users.insert(0, creator)
    return users


def _message(kind: str, referral: Referral, note: str = "") -> str:
    """The text in the active language (stored in the site's language for the email; shown again in
    the reader's language by `text_for`)."""
    persian = is_persian()
    params = {
        "id": to_persian_digits(str(referral.pk)) if persian else referral.pk,
        "service": referral.service.name,
        "partner": referral.partner.name,
        "urgency": referral.get_urgency_display(),
        "due": format_jalali(referral.due_on, persian_digits=persian),
        "reason": note,
        "outcome": referral.get_outcome_display() if referral.outcome else "",
    }
    texts = {
        KIND_NEW: _("New referral no. %(id)s: %(service)s (%(urgency)s), answer due on %(due)s."),
        KIND_ACCEPTED: _("Referral no. %(id)s (%(service)s) was accepted by %(partner)s."),
        KIND_DECLINED: _("Referral no. %(id)s (%(service)s) was declined by %(partner)s: %(reason)s"),
        KIND_COMPLETED: _("Referral no. %(id)s (%(service)s) was completed: %(outcome)s."),
        KIND_CANCELLED: _("Referral no. %(id)s (%(service)s) was cancelled by the office."),
        KIND_OVERDUE: _("Referral no. %(id)s (%(service)s, %(partner)s) is overdue: it was due on %(due)s."),
    }
    text = texts[kind] % params
    if len(text) > MESSAGE_LENGTH:
        text = text[: MESSAGE_LENGTH - 1] + "…"
    return text


def text_for(notification: Notification) -> str:
    """The notification in the reader's language: written again from its referral (the stored text is
    in the site's language, for the email); the stored text when the referral is gone."""
    referral = notification.referral
    if referral is None or notification.kind not in KINDS:
        return notification.message
    note = referral.decline_reason if notification.kind == KIND_DECLINED else ""
    return _message(notification.kind, referral, note)


KINDS = {KIND_NEW, KIND_ACCEPTED, KIND_DECLINED, KIND_COMPLETED, KIND_CANCELLED, KIND_OVERDUE}


def notify(*, users, referral: Referral, kind: str, note: str = "") -> list[Notification]:
    """Store one notification per user (each user once) and queue the emails after commit."""
    seen = set()
    unique = [u for u in users if not (u.pk in seen or seen.add(u.pk))]
    if not unique:
        return []
    with translation.override(settings.LANGUAGE_CODE):
        message = _message(kind, referral, note)
    rows = Notification.objects.bulk_create(
        [Notification(user=u, referral=referral, kind=kind, message=message) for u in unique]
    )
    ids = [n.pk for n in rows if n.user.email]
    if ids:
        transaction.on_commit(lambda: _queue_emails(ids))
    return rows


def _queue_emails(ids: list[int]) -> None:
    from mahalleh.referrals.tasks import send_notification_emails

    send_notification_emails(ids)


def referral_sent(referral: Referral) -> list[Notification]:
    return notify(users=partner_users(referral), referral=referral, kind=KIND_NEW)


def referral_changed(referral: Referral, *, to_status: str, note: str = "") -> list[Notification]:
    s = Referral.Status
    if to_status == s.ACCEPTED:
        return notify(users=office_users(referral), referral=referral, kind=KIND_ACCEPTED)
    if to_status == s.DECLINED:
        return notify(users=office_users(referral), referral=referral, kind=KIND_DECLINED, note=note)
    if to_status == s.COMPLETED:
        return notify(users=office_users(referral), referral=referral, kind=KIND_COMPLETED)
    if to_status == s.CANCELLED:
        return notify(users=partner_users(referral), referral=referral, kind=KIND_CANCELLED)
    return []


def referral_overdue(referral: Referral) -> list[Notification]:
    return notify(
        users=office_users(referral) + partner_users(referral), referral=referral, kind=KIND_OVERDUE
    )
