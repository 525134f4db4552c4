"""The demo referrals: logins for the four demo partners, their services, and referrals in every
state — overdue ones included for the demo `partner_user` and the demo `facilitator`'s office."""

from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from mahalleh.accounts.models import Role, User
from mahalleh.demo import loader
from mahalleh.demo.referrals import load_referrals
from mahalleh.referrals import selectors
from mahalleh.referrals.models import Notification, Partner, Referral, Service
from mahalleh.registry.models import Consent

pytestmark = pytest.mark.django_db
S = Referral.Status


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        assert loader.load() is True
        counts = load_referrals() or None  # {} when the loader already loaded them
        yield counts
        transaction.set_rollback(True)


def test_each_demo_partner_has_a_login_and_two_to_four_services():
    partners = Partner.objects.filter(name__in=[name for _k, _kind, name in loader.PARTNERS])
    assert partners.count() == 4
    for partner in partners:
        assert User.objects.filter(role=Role.PARTNER_USER, partner=partner).exists()
        assert 2 <= Service.objects.filter(partner=partner).count() <= 4
        assert all(s.answer_days > 0 for s in partner.services.all())
    for username in ("partner_welfare", "partner_tvto", "partner_ngo"):
        user = User.objects.get(username=username)
        assert user.check_password(loader.DEMO_PASSWORD)
    assert User.objects.get(username="partner_user").partner.kind == Partner.Kind.CHARITY


def test_referrals_in_every_state_over_twelve_months():
    referrals = Referral.objects.all()
    assert 150 <= referrals.count() <= 300
    assert set(Counter(referrals.values_list("status", flat=True))) == set(S.values)
    assert set(referrals.exclude(outcome="").values_list("outcome", flat=True)) == set(
        Referral.Outcome.values
    )
    first = referrals.order_by("created_at").first().created_at
    assert (timezone.now() - first).days <= 366
    assert (timezone.now() - first).days >= 180
    assert referrals.filter(household__isnull=False).exists()
    assert referrals.values("office").distinct().count() >= 5


def test_overdue_referrals_for_the_demo_partner_user_and_facilitator():
    for username in ("partner_user", "facilitator"):
        user = User.objects.get(username=username)
        overdue = selectors.referral_list(user=user, overdue=True)
        assert overdue.count() >= 3, username
        assert set(overdue.values_list("status", flat=True)) == set(selectors.OPEN), username
    inbox = selectors.referral_list(user=User.objects.get(username="partner_user"))
    assert set(inbox.values_list("status", flat=True)) == set(S.values)


def test_every_referred_resident_had_consent_before_being_referred():
    for r in Referral.objects.select_related("person"):
        consents = Consent.objects.filter(
            person=r.person, purpose=Consent.Purpose.REFERRAL, on__lte=timezone.localdate(r.created_at)
        ).order_by("-on", "-pk")
        assert consents.exists() and consents.first().given, r.pk


def test_events_tell_each_referrals_story_in_order():
    for r in Referral.objects.prefetch_related("events"):
        events = list(r.events.all())
        assert events[0].to_status == S.SENT and events[0].from_status == ""
        assert events[-1].to_status == r.status
        assert all(a.at <= b.at for a, b in zip(events, events[1:], strict=False))
        assert all(b.from_status == a.to_status for a, b in zip(events, events[1:], strict=False))
        if r.status == S.DECLINED:
            assert r.decline_reason
        if r.status in {S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED}:
            assert r.accepted_at is not None


def test_notifications_are_in_and_overdue_ones_are_not_sent_again():
    assert Notification.objects.filter(user__username="partner_user", read_at=None).exists()
    assert Notification.objects.filter(kind="overdue").exists()
    today = timezone.localdate()
    assert not Referral.objects.filter(selectors.overdue_q(today), overdue_notified_at__isnull=True).exists()


def test_loading_twice_adds_nothing():
    before = Referral.objects.count()
    assert load_referrals() == {}
    assert Referral.objects.count() == before
