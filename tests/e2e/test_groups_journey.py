"""Browser journey of a community group (issue 4, item 4), in Chromium against the live server.

A facilitator creates a women's micro-savings fund, finds two residents with the htmx search and
adds them (one as leader); a second tab still open on the search offers to add one of them again
and is refused with a clear message, nothing saved; a meeting is recorded with both attending,
and the group, inactive until then, is shown active.
"""

import datetime
import re

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from mahalleh.accounts.models import User
from mahalleh.community.models import CommunityGroup, Meeting, Membership
from mahalleh.core.jalali import format_jalali
from mahalleh.core.persian import localized_digits
from mahalleh.registry import services as registry_services
from mahalleh.registry.models import Person
from tests.e2e.conftest import sign_in, snap, submit

pytestmark = pytest.mark.e2e

GROUP_NAME = "صندوق قرض‌الحسنه بانوان کوچه نسترن"
WOMEN = [("معصومه", "رحیمی"), ("پروین", "توکلی")]


def fa(text: str) -> str:
    """The Persian translation of an English msgid, from the compiled catalogue."""
    with translation.override("fa"):
        return gettext(text)


def fa_digits(value) -> str:
    return str(localized_digits(value))


def residents(facilitator: User) -> list[Person]:
    hood = facilitator.office.neighbourhoods.order_by("code").first()
    people = []
    for i, (first, last) in enumerate(WOMEN):
        household = registry_services.household_create(
            actor=facilitator, neighbourhood=hood, address="کوچه نسترن"
        )
        people.append(
            registry_services.person_create(
                actor=facilitator,
                household=household,
                id_type=Person.IdType.NONE,
                first_name=first,
                last_name=last,
                sex="female",
                birth_date=datetime.date(1975 + i, 2, 10),
                relation=Person.Relation.HEAD,
            )
        )
    return people


def add_member(page, person: Person, role: str) -> None:
    """Find the resident with the htmx search box of the group page and add her."""
    page.get_by_test_id("member-search").fill(person.last_name)
    candidate = page.locator(f"[data-testid=candidate][data-person='{person.pk}']")
    expect(candidate).to_be_visible()
    candidate.locator("select[name=role]").select_option(role)
    candidate.get_by_test_id("add-member-submit").click()
    expect(page.locator(".alert-success")).to_have_text(
        fa("%(name)s joined the group.") % {"name": person.full_name}
    )


def test_facilitator_runs_a_savings_group_refuses_a_double_member_and_records_a_meeting(page):
    facilitator = User.objects.get(username="facilitator")
    leader, member = residents(facilitator)
    today = timezone.localdate()
    sign_in(page, "facilitator")

    # 1. The group, founded today (the form's default date).
    page.locator("a[href='/groups/']").first.click()
    page.wait_for_url("/groups/")
    page.get_by_test_id("add-group").click()
    page.wait_for_url("/groups/new/")
    page.fill("#id_name", GROUP_NAME)
    page.select_option("#id_kind", CommunityGroup.Kind.SAVINGS)
    page.fill("#id_description", "پس‌انداز ماهانه و وام کوچک برای اعضا")
    submit(page)
    page.wait_for_url(re.compile(r"/groups/\d+/$"))
    group = CommunityGroup.objects.get(name=GROUP_NAME)
    title = page.get_by_test_id("group-title")
    expect(title).to_contain_text(GROUP_NAME)
    expect(title).to_contain_text(fa("micro-savings fund"))
    expect(title.get_by_test_id("active-badge")).to_have_attribute("data-active", "0")
    expect(title.get_by_test_id("active-badge")).to_have_text(fa("inactive"))
    expect(page.get_by_test_id("last-meeting")).to_contain_text(fa("no meeting recorded yet"))
    group_url = f"/groups/{group.pk}/"

    # A second tab, opened now on a search for the leader-to-be: it will be stale in a moment.
    stale = page.context.new_page()
    stale.js_errors, stale.bad_responses = [], []
    stale.on("pageerror", lambda exc: stale.js_errors.append(str(exc)))
    stale.goto(f"{group_url}?q={leader.last_name}#add-member")
    expect(
        stale.locator(f"[data-testid=candidate][data-person='{leader.pk}'] [data-testid=add-member-submit]")
    ).to_be_visible()

    # 2. Two members, found with the search box: a leader and a member.
    add_member(page, leader, Membership.Role.LEADER)
    add_member(page, member, Membership.Role.MEMBER)
    rows = page.get_by_test_id("member-row")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=leader.full_name).get_by_test_id("leader-badge")).to_have_text(fa("leader"))
    expect(rows.filter(has_text=member.full_name)).to_contain_text(fa("member"))
    expect(page.get_by_test_id("current-count")).to_have_text(fa_digits(2))
    # The search now says she is a member, and offers no button.
    page.get_by_test_id("member-search").fill(leader.last_name)
    candidate = page.locator(f"[data-testid=candidate][data-person='{leader.pk}']")
    expect(candidate.get_by_test_id("already-member")).to_have_text(fa("already a member"))
    expect(candidate.get_by_test_id("add-member-submit")).to_have_count(0)

    # 3. The stale tab adds the leader a second time: refused with a message, nothing saved.
    stale.locator(
        f"[data-testid=candidate][data-person='{leader.pk}'] [data-testid=add-member-submit]"
    ).click()
    refusal = stale.get_by_test_id("add-member-errors")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text(
        fa("%(name)s is already a member of this group.") % {"name": leader.full_name}
    )
    expect(stale.locator(".alert-success")).to_have_count(0)
    expect(stale.get_by_test_id("member-row")).to_have_count(2)
    snap(stale, "groups_member_added_twice")
    assert Membership.objects.filter(group=group).count() == 2
    stale.close()

    # 4. A meeting today with both members attending: the group becomes active.
    page.get_by_test_id("record-meeting").click()
    page.wait_for_url(f"{group_url}meetings/new/")
    expect(page.locator("#id_date")).to_have_value(format_jalali(today))
    page.fill("#id_place", "سالن فرهنگسرای محله")
    page.fill("#id_decisions", "سهم ماهانه هر عضو ۵۰۰ هزار ریال\nاولین وام در ماه آینده")
    attendees = page.get_by_test_id("attendees")
    expect(attendees.locator("input[type=checkbox]")).to_have_count(2)
    for person in (leader, member):
        attendees.get_by_label(person.full_name).check()
    submit(page)
    page.wait_for_url(group_url)
    expect(page.locator(".alert-success")).to_have_text(fa("The meeting was recorded."))
    meeting_row = page.get_by_test_id("meeting-row")
    expect(meeting_row).to_have_count(1)
    expect(meeting_row.get_by_test_id("attendance")).to_have_text(fa_digits(2))
    expect(meeting_row).to_contain_text(format_jalali(today))
    expect(meeting_row).to_contain_text("اولین وام در ماه آینده")
    expect(title.get_by_test_id("active-badge")).to_have_attribute("data-active", "1")
    expect(title.get_by_test_id("active-badge")).to_have_text(fa("active"))
    expect(page.get_by_test_id("last-meeting")).to_contain_text(format_jalali(today))
    meeting = Meeting.objects.get(group=group)
    assert set(meeting.attendees.values_list("pk", flat=True)) == {leader.pk, member.pk}
    snap(page, "groups_detail_active")

    # 5. The office's list shows it active, with two members and its leader.
    page.goto("/groups/")
    row = page.locator(f"[data-testid=group-row][data-group='{group.pk}']")
    expect(row.get_by_test_id("members-count")).to_have_text(fa_digits(2))
    expect(row).to_contain_text(leader.full_name)
    expect(row.get_by_test_id("active-badge")).to_have_attribute("data-active", "1")
    snap(page, "groups_list")


# The catalogue entries the journey reads its labels from (see `fa`).
LABELS = (
    "micro-savings fund",
    "active",
    "inactive",
    "no meeting recorded yet",
    "leader",
    "member",
    "already a member",
    "%(name)s joined the group.",
    "%(name)s is already a member of this group.",
    "The meeting was recorded.",
)


def test_the_labels_of_the_journey_are_translated():
    """`fa()` falls back to the English msgid when the catalogue lacks it, so the journey would
    pass on an English page: this says whether the Persian UI really has them."""
    missing = [label for label in LABELS if fa(label) == label]
    assert not missing, f"not in the Persian catalogue: {missing}"
