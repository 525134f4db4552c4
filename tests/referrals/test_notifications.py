"""Overdue detection, and the notifications (rows and emails) on new, accepted, declined, completed,
cancelled and overdue referrals; the hourly check notifies each referral once."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone, translation

from mahalleh.core.persian import to_persian_digits
from mahalleh.referrals import selectors, services, tasks
from mahalleh.referrals.models import Notification, Referral
from tests.referrals.conftest import move

S = Referral.Status
pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def set_due(referral: Referral, due: datetime.date) -> Referral:
    Referral.objects.filter(pk=referral.pk).update(due_on=due)
    referral.refresh_from_db()
    return referral


# --------------------------------------------------------------------------- overdue


@pytest.mark.parametrize(
    ("path", "overdue"),
    [
        ([], True),
        ([S.ACCEPTED], True),
        ([S.ACCEPTED, S.IN_PROGRESS], True),
        ([S.ACCEPTED, S.COMPLETED], False),
        ([S.DECLINED], False),
        ([S.CANCELLED], False),
    ],
)
def test_open_referrals_past_their_due_date_are_overdue(ref, path, overdue):
    referral = set_due(move(ref.refer(), *path), days(-1))
    listed = selectors.referral_list(user=ref.world.facilitator_a, overdue=True)
    assert (referral in listed) is overdue
    assert selectors.referral_list(user=ref.world.facilitator_a).get().overdue is overdue
    assert (referral in selectors.referral_list(user=ref.world.partner_user, overdue=True)) is overdue


def test_a_referral_due_today_is_not_overdue_until_tomorrow(ref):
    referral = set_due(ref.refer(), days(0))
    user = ref.world.facilitator_a
    assert not selectors.referral_list(user=user, overdue=True).exists()
    tomorrow = days(1)
    assert list(selectors.referral_list(user=user, overdue=True, today=tomorrow)) == [referral]
    assert selectors.referral_counts(user=user, today=tomorrow)["overdue"] == 1


def test_overdue_follows_a_frozen_today(ref, monkeypatch):
    referral = ref.refer()  # due in 10 days
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: referral.due_on + datetime.timedelta(days=1))
    assert list(selectors.referral_list(user=ref.world.facilitator_a, overdue=True)) == [referral]


# --------------------------------------------------------------------------- notifications


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


def test_a_new_referral_notifies_the_partners_users_in_the_app_and_by_email(
    ref, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = ref.refer()
    w = ref.world
    note = Notification.objects.get(user=w.partner_user)
    assert (note.kind, note.referral) == ("new", referral)
    # Stored in the site's language (Persian) for the email: the number in Persian digits.
    assert to_persian_digits(str(referral.pk)) in note.message and ref.service.name in note.message
    # The resident's name never leaves the system by email.
    assert ref.reg.head_a.first_name not in note.message
    assert kinds(ref.other_partner_user) == [] and kinds(w.facilitator_a) == []
    assert [m.to for m in mail.outbox] == [[w.partner_user.email]]
    assert ref.service.name in mail.outbox[0].subject
    assert f"/referrals/{referral.pk}/" in mail.outbox[0].body


def test_nothing_is_emailed_when_the_referral_is_refused(ref, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017
        ref.refer(person=ref.reg.child_a)  # no consent
    assert mail.outbox == [] and not Notification.objects.exists()


@pytest.mark.parametrize("to", [S.ACCEPTED, S.DECLINED, S.COMPLETED])
def test_answers_notify_the_referring_facilitator_and_the_office_manager(
    ref, to, django_capture_on_commit_callbacks
):
    referral = move(ref.refer(), *([S.ACCEPTED] if to == S.COMPLETED else []))
    mail.outbox.clear()
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        move(referral, to)
    w = ref.world
    assert kinds(w.facilitator_a) == [to]
    assert kinds(w.manager_a) == [to]
    assert kinds(w.partner_user) == [] and kinds(w.facilitator_b) == [] and kinds(w.manager_b) == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted([w.facilitator_a.email, w.manager_a.email])
    if to == S.DECLINED:
        assert "ظرفیت تکمیل است" in Notification.objects.filter(user=w.manager_a).get().message


def test_starting_the_service_notifies_nobody_and_cancelling_tells_the_partner(ref):
    referral = move(ref.refer(), S.ACCEPTED)
    Notification.objects.all().delete()
    move(referral, S.IN_PROGRESS)
    assert not Notification.objects.exists()
    move(referral, S.CANCELLED)
    assert kinds(ref.world.partner_user) == ["cancelled"]


def test_users_without_an_email_get_the_notification_but_no_mail(ref, django_capture_on_commit_callbacks):
    ref.world.partner_user.email = ""
    ref.world.partner_user.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        ref.refer()
    assert kinds(ref.world.partner_user) == ["new"]
    assert mail.outbox == []


def test_inactive_users_are_not_notified(ref):
    ref.world.partner_user.is_active = False
    ref.world.partner_user.save(update_fields=["is_active"])
    ref.refer()
    assert not Notification.objects.exists()


def test_overdue_check_notifies_both_sides_once(ref, django_capture_on_commit_callbacks):
    w = ref.world
    late = set_due(ref.refer(), days(-2))
    set_due(move(ref.refer(person=ref.reg.head_a, service=ref.other_service), S.DECLINED), days(-2))  # closed
    ref.refer(person=ref.reg.head_b, actor=w.facilitator_b)  # not due yet
    Notification.objects.all().delete()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.referral_notify_overdue() == 1
    for user in (w.facilitator_a, w.manager_a, w.partner_user):
        assert kinds(user) == ["overdue"]
    assert kinds(ref.other_partner_user) == [] and kinds(w.facilitator_b) == []
    assert Notification.objects.filter(kind="overdue").values("referral").distinct().count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [w.facilitator_a.email, w.manager_a.email, w.partner_user.email]
    )
    late.refresh_from_db()
    assert late.overdue_notified_at is not None

    # The next hourly run, and the one after, say nothing more about it.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.referral_notify_overdue() == 0
        assert tasks.referrals_overdue_check.call_local() == 0
    assert Notification.objects.filter(kind="overdue").count() == 3
    assert mail.outbox == []


def test_the_periodic_task_sees_the_frozen_today(ref, monkeypatch):
    referral = ref.refer()
    assert tasks.referrals_overdue_check.call_local() == 0
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: referral.due_on + datetime.timedelta(days=1))
    assert tasks.referrals_overdue_check.call_local() == 1
    assert Notification.objects.filter(kind="overdue", referral=referral).count() == 3


def test_the_overdue_check_is_a_periodic_huey_task():
    from huey.api import PeriodicTask

    assert issubclass(tasks.referrals_overdue_check.task_class, PeriodicTask)


def test_email_task_skips_users_without_address(ref):
    referral = ref.refer()
    note = Notification.objects.create(
        user=ref.world.facilitator_b, referral=referral, kind="new", message="x"
    )
    assert tasks.send_notification_emails.call_local([note.pk]) == 0
    assert mail.outbox == []


def test_marking_read(ref):
    ref.refer()
    user = ref.world.partner_user
    note = Notification.objects.get(user=user)
    assert selectors.unread_count(user=user) == 1
    services.notification_mark_read(user=user, notification=note)
    assert selectors.unread_count(user=user) == 0
    move(Referral.objects.get(), S.ACCEPTED)
    ref.refer(service=ref.other_service)
    assert services.notifications_mark_all_read(user=ref.world.facilitator_a) == 1
    assert selectors.unread_count(user=ref.world.facilitator_a) == 0


def test_a_notification_reads_in_the_readers_language_with_its_digits(ref):
    """Issue #8.7: «ارجاع شمارهٔ 42» (Latin digits) in Persian, and Persian text in the English UI."""
    referral = ref.refer()
    note = Notification.objects.get(user=ref.world.partner_user)
    number = str(referral.pk)
    with translation.override("fa"):
        persian = note.text
    with translation.override("en"):
        english = note.text
    assert to_persian_digits(number) in persian
    assert not re.search(r"[0-9]", persian.replace(ref.service.name, ""))
    assert english.startswith(f"New referral no. {number}:") and ref.service.name in english
    assert not re.search(r"[\u0600-\u06ff]", english.replace(ref.service.name, ""))  # the service is data
