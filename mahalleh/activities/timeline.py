"""Items this app adds to a household's timeline (see registry.selectors.household_timeline)."""

from mahalleh.activities.models import Enrolment
from mahalleh.activities.selectors import Rate, with_attendance
from mahalleh.core import plugins

TEMPLATE = "activities/_timeline_item.html"


def _items(enrolments) -> list[dict]:
    items = []
    for e in with_attendance(enrolments.select_related("activity", "person")):
        rate = Rate(e.attended, e.expected)
        entry = {"person": e.person, "obj": e, "activity": e.activity, "rate": rate, "template": TEMPLATE}
        items.append({**entry, "on": e.enrolled_on, "kind": "activity_enrolled"})
        if e.left_on:
            items.append({**entry, "on": e.left_on, "kind": "activity_left"})
    return items


@plugins.provider("household_timeline")
def household_items(household, person=None) -> list[dict]:
    """Timeline entries for the household: dicts with "on" (a date), "kind", "person" (or None),
    "obj", and "template", the template that renders the entry (it gets the entry as `item`).

    One entry per member's enrolment ("enrolled in <activity>", with their attendance so far) and
    one more when they left it; with ``person``, only that member's. The household was already
    scoped by the caller."""
    return _items(Enrolment.objects.filter(**plugins.timeline_rows(household, person)))
