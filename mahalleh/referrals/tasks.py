"""Background jobs of referrals (huey): the hourly overdue check and the notification emails."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from mahalleh.referrals.models import Notification
from mahalleh.referrals.services import referral_notify_overdue

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="7"))
def referrals_overdue_check() -> int:
    # Hourly: a referral that became overdue at midnight is reported in the morning, and each
    # referral is reported once (Referral.overdue_notified_at).
    return referral_notify_overdue()


@db_task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email each notification to its user (users without an address only see it in the app)."""
    sent = 0
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    rows = Notification.objects.filter(pk__in=notification_ids).select_related("user")
    with translation.override(settings.LANGUAGE_CODE):
        for n in rows:
            user = n.user
            if not (user.email and user.is_active):
                continue
            link = site + (
                reverse("referrals:detail", args=[n.referral_id])
                if n.referral_id
                else reverse("referrals:notifications")
            )
            body = "\n\n".join(
                [
                    _("Hello %(name)s,") % {"name": user.display_name},
                    n.message,
                    _("Open it in Mahalleh: %(link)s") % {"link": link},
                ]
            )
            # A subject is one line: a decline reason may have several.
            subject = _("Mahalleh: %(message)s") % {"message": " ".join(n.message.split())[:120]}
            try:
                send_mail(subject, body, None, [user.email])
            except Exception:  # noqa: BLE001 - one bad address must not stop the others
                log.exception("notification email %s to user %s failed", n.pk, user.pk)
                continue
            sent += 1
    return sent
