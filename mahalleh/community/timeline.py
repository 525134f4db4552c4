"""Items this app adds to a household's timeline (see registry.selectors.household_timeline)."""

from collections import defaultdict

from mahalleh.community.models import Meeting, Membership
from mahalleh.core import plugins
from mahalleh.core.jalali import Period

TEMPLATE = "community/_timeline_item.html"


@plugins.provider("household_timeline")
def household_items(household, person=None) -> list[dict]:
    """Timeline entries for the household: dicts with "on" (a date), "kind", "person" (or None),
    "obj", and "template", the template that renders the entry (it gets the entry as `item`).

    A member joining a group ("group_joined", with the role), leaving it ("group_left"), and the
    meetings they attended, one entry per person, group and Jalali month ("group_meetings", dated
    the last of those meetings, with ``count`` and ``period``) so a weekly group does not flood it.
    With ``person``, only that member's entries.
    """
    items: list[dict] = []
    whose = plugins.timeline_rows(household, person)
    memberships = Membership.objects.filter(**whose).select_related("person", "group")
    for m in memberships:
        items.append(
            {
                "on": m.joined_on,
                "kind": "group_joined",
                "person": m.person,
                "obj": m,
                "group": m.group,
                "template": TEMPLATE,
            }
        )
        if m.left_on is not None:
            items.append(
                {
                    "on": m.left_on,
                    "kind": "group_left",
                    "person": m.person,
                    "obj": m,
                    "group": m.group,
                    "template": TEMPLATE,
                }
            )
    attended = (
        Meeting.attendees.through.objects.filter(**whose)
        .select_related("person", "meeting__group")
        .order_by("meeting__date", "pk")
    )
    months: dict[tuple, list] = defaultdict(list)
    for row in attended:
        meeting = row.meeting
        months[(row.person_id, meeting.group_id, Period.containing(meeting.date, "month"))].append(row)
    for (_person, _group, period), rows in months.items():
        last = rows[-1]
        items.append(
            {
                "on": last.meeting.date,
                "at": last.meeting.created_at,
                "kind": "group_meetings",
                "person": last.person,
                "obj": last.meeting,
                "group": last.meeting.group,
                "count": len(rows),
                # In the language of the page being rendered (the timeline is built per request).
                "period_label": period.label(None),
                "template": TEMPLATE,
            }
        )
    return items
