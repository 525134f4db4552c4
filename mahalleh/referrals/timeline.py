"""Items this app adds to a household's timeline (see registry.selectors.household_timeline)."""

from django.db.models import Q
from django.utils import timezone

from mahalleh.core import plugins
from mahalleh.referrals.models import ReferralEvent

TEMPLATE = "referrals/_timeline_item.html"


@plugins.provider("household_timeline")
def household_items(household, person=None) -> list[dict]:
    """Timeline entries for the household: dicts with "on" (a date), "kind", "person" (or None),
    "obj", and "template", the template that renders the entry (it gets the entry as `item`).

    One entry per step of each referral of a member (or of the whole household): sent,
    accepted, declined (with the reason), in progress, completed (with the outcome), cancelled.
    With ``person``, only the steps of that member's referrals (an entry's person is the referral's).
    """
    whose = (
        Q(referral__person=person)
        if person is not None
        else Q(referral__person__household=household) | Q(referral__household=household)
    )
    events = (
        ReferralEvent.objects.filter(whose)
        .select_related("referral__person", "referral__service", "referral__partner", "by")
        # Newest first, so that steps on the same day keep their order in the newest-first timeline.
        .order_by("-at", "-pk")
    )
    return [
        {
            "on": timezone.localdate(event.at),
            "at": event.at,
            "id": event.pk,
            "kind": "referral",
            "person": event.referral.person,
            "obj": event.referral,
            "event": event,
            "template": TEMPLATE,
        }
        for event in events
    ]
