"""The notifications bell of the header (add to TEMPLATES' context processors)."""

from django.utils.functional import SimpleLazyObject

from mahalleh.referrals import selectors

RECENT = 5


def notifications(request) -> dict:
    """`notification_bell` with `unread` (a count) and `recent` (the latest few), queried only
    when a page shows the bell."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}

    def bell() -> dict:
        return {
            "unread": selectors.unread_count(user=user),
            "recent": list(selectors.notification_list(user=user)[:RECENT]),
        }

    return {"notification_bell": SimpleLazyObject(bell)}
