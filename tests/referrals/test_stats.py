"""Per-partner statistics: acceptance rate, median days to accept, share completed by the due date."""

import datetime

import pytest
from django.utils import timezone

from mahalleh.referrals import selectors
from mahalleh.referrals.models import Referral
from tests.referrals.conftest import move

S = Referral.Status
pytestmark = pytest.mark.django_db


def stamp(referral, *, sent_days_ago, accepted_after=None, closed_after=None, due_after=10):
    """Put a referral's times in the past: sent N days ago, accepted/closed some days after sending."""
    now = timezone.now()
    sent = now - datetime.timedelta(days=sent_days_ago)
    fields = {"created_at": sent, "due_on": timezone.localdate(sent) + datetime.timedelta(days=due_after)}
    if accepted_after is not None:
        fields["accepted_at"] = sent + datetime.timedelta(days=accepted_after)
    if closed_after is not None:
        fields["closed_at"] = sent + datetime.timedelta(days=closed_after)
    Referral.objects.filter(pk=referral.pk).update(**fields)


def row_for(user, partner):
    return next(r for r in selectors.partner_stats(user=user) if r["partner"] == partner)


def test_partner_stats(ref):
    w = ref.world
    # 1: accepted after 2 days, completed on day 5 of 10 → on time.
    a = move(ref.refer(), S.ACCEPTED, S.COMPLETED)
    stamp(a, sent_days_ago=40, accepted_after=2, closed_after=5)
    # 2: accepted after 4 days, completed on day 15 of 10 → late.
    b = move(ref.refer(person=ref.reg.head_b, actor=w.facilitator_b), S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED)
    stamp(b, sent_days_ago=30, accepted_after=4, closed_after=15)
    # 3: declined (counts against acceptance; not in the on-time share).
    c = move(ref.refer(), S.DECLINED)
    stamp(c, sent_days_ago=20, closed_after=1)
    # 4: accepted after 9 days, still in progress, past due → due and not completed.
    d = move(ref.refer(), S.ACCEPTED, S.IN_PROGRESS)
    stamp(d, sent_days_ago=20, accepted_after=9)
    # 5: sent, not due yet → in nothing but the totals.
    ref.refer(person=ref.reg.head_b, actor=w.facilitator_b, service=ref.service, reason="دوم")  # noqa: F841
    # 6: cancelled before an answer → left out of the rates.
    e = move(ref.refer(service=ref.other_service), S.CANCELLED)
    stamp(e, sent_days_ago=3, closed_after=1)

    row = row_for(w.admin, w.partner)
    assert row["total"] == 5
    assert (row["accepted"], row["declined"]) == (3, 1)
    assert row["acceptance_rate"] == pytest.approx(3 / 4)
    assert row["median_days_to_accept"] == pytest.approx(4)
    assert (row["completed_on_time"], row["due"]) == (1, 3)
    assert row["on_time_rate"] == pytest.approx(1 / 3)
    assert (row["open"], row["overdue"]) == (2, 1)

    other = row_for(w.admin, w.other_partner)
    assert (other["total"], other["cancelled"], other["acceptance_rate"], other["on_time_rate"]) == (
        1,
        1,
        None,
        None,
    )

    # Office A sees the figures over its own referrals only.
    row_a = row_for(w.facilitator_a, w.partner)
    assert row_a["total"] == 3
    assert row_a["median_days_to_accept"] == pytest.approx(5.5)


def test_stats_with_no_referrals_show_nothing_rather_than_zero(ref):
    row = row_for(ref.world.admin, ref.world.partner)
    assert row["total"] == 0
    assert (
        row["acceptance_rate"] is None
        and row["median_days_to_accept"] is None
        and row["on_time_rate"] is None
    )
