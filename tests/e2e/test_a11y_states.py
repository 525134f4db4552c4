"""Issue #16: axe-core on pages as they are after the user did something, not only as they load.

The page walk checks every page as it arrives from the server; here the same rules run after an
htmx search has put its results in the page (enrolment and walk-in search of an activity, member
search of a group) and with a menu open (the notifications bell, "record harm" on a household).
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mahalleh.accounts.models import User
from mahalleh.activities import services as activity_services
from mahalleh.community import services as community_services
from mahalleh.community.models import CommunityGroup
from mahalleh.referrals.services import notification_send
from tests.e2e.conftest import axe_violations, sign_in, snap, with_axe
from tests.e2e.test_activities_journey import residents

pytestmark = pytest.mark.e2e


def test_search_results_put_in_by_htmx_pass_axe(page):
    facilitator = User.objects.get(username="facilitator")
    people = residents(facilitator)  # four residents named «… کاظمی»
    today = timezone.localdate()
    activity = activity_services.activity_create(
        actor=facilitator,
        kind="class",
        title="کلاس نقاشی",
        facilitator=facilitator,
        starts_on=today - datetime.timedelta(days=7),
    )
    activity_services.enrol(actor=facilitator, activity=activity, person=people[0])
    session = activity_services.session_create(actor=facilitator, activity=activity, date=today)
    group = community_services.group_create(
        actor=facilitator, name="شورای جوانان کوچه", kind=CommunityGroup.Kind.COUNCIL, founded_on=today
    )
    with_axe(page)
    sign_in(page, "facilitator")

    # Enrolment search on the activity's page: one enrolled already, three offered.
    page.goto(f"/activities/{activity.pk}/")
    page.get_by_test_id("enrol-search").fill("کاظمی")
    expect(page.get_by_test_id("enrol-result")).to_have_count(4)
    expect(page.get_by_test_id("enrol-button")).to_have_count(3)
    expect(page.get_by_test_id("enrolled-badge")).to_have_count(1)
    assert axe_violations(page) == [], "activity page with enrolment results"
    snap(page, "a11y_enrol_results")

    # Walk-in search on the session's attendance page.
    page.goto(f"/activities/sessions/{session.pk}/")
    page.get_by_test_id("walkin-search").fill("کاظمی")
    expect(page.get_by_test_id("walkin-result")).to_have_count(4)
    assert axe_violations(page) == [], "attendance page with walk-in results"
    snap(page, "a11y_walkin_results")

    # Member search on the group's page, and a search that finds nobody.
    page.goto(f"/groups/{group.pk}/")
    page.get_by_test_id("member-search").fill("کاظمی")
    expect(page.get_by_test_id("candidate")).to_have_count(4)
    assert axe_violations(page) == [], "group page with member candidates"
    page.get_by_test_id("member-search").fill("ناموجود")
    expect(page.locator("#candidates .list-group-item")).to_have_count(1)
    expect(page.get_by_test_id("candidate")).to_have_count(0)
    assert axe_violations(page) == [], "group page with an empty search"
    snap(page, "a11y_member_candidates")


def test_open_menus_pass_axe(page):
    facilitator = User.objects.get(username="facilitator")
    people = residents(facilitator)
    notification_send(users=[facilitator], kind="report", message="گزارش ماه آبان آماده‌ی بازبینی است.")
    with_axe(page)
    sign_in(page, "facilitator")

    # The notifications bell, open, with an unread notification in it.
    bell = page.get_by_test_id("notification-bell")
    bell.locator("button").click()
    expect(bell.locator(".dropdown-menu")).to_be_visible()
    expect(bell.locator(".dropdown-menu a.dropdown-item").first).to_be_visible()
    assert axe_violations(page) == [], "home page with the notifications open"
    snap(page, "a11y_bell_open")

    # The household page's "record harm" menu, open, listing the members.
    page.goto(f"/registry/households/{people[0].household_id}/")
    toggle = page.get_by_test_id("record-harm")
    toggle.click()
    menu = toggle.locator("xpath=following-sibling::ul")
    expect(menu).to_be_visible()
    expect(menu.locator("a.dropdown-item")).to_have_count(len(people))
    assert axe_violations(page) == [], "household page with the record-harm menu open"
    snap(page, "a11y_record_harm_open")


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_open_calendar_passes_axe(page, language):
    """The Jalali calendar, open on a birth date: its year and month lists are named, and its days
    (Fridays, days of the next month) are readable, in both languages."""
    with_axe(page)
    sign_in(page, "facilitator")
    if language == "en":
        page.context.add_cookies([{"name": "mahalleh_language", "value": "en", "url": page.url}])
    page.goto("/registry/households/new/")
    page.locator("#id_birth_date").focus()
    calendar = page.locator("jdp-container")
    expect(calendar).to_be_visible()
    expect(calendar.locator(".jdp-day.not-in-month").first).to_be_visible()
    expect(calendar.locator(".jdp-day.last-week").first).to_be_visible()
    year, month = ("سال", "ماه") if language == "fa" else ("Year", "Month")
    expect(calendar.locator(".jdp-year select")).to_have_accessible_name(year)
    expect(calendar.locator(".jdp-month select")).to_have_accessible_name(month)
    # Its buttons in the page's language (the picker writes them in Persian only).
    today, clear = ("امروز", "خالی") if language == "fa" else ("Today", "Clear")
    expect(calendar.locator(".jdp-btn-today")).to_have_text(today)
    expect(calendar.locator(".jdp-btn-empty")).to_have_text(clear)
    assert axe_violations(page) == [], f"household form with the calendar open ({language})"
    # Another month drawn: the lists drawn again are named too.
    calendar.locator(".jdp-month select").select_option(index=3)
    expect(calendar.locator(".jdp-month select")).to_have_accessible_name(month)
    assert axe_violations(page) == [], f"calendar redrawn on another month ({language})"
    snap(page, f"a11y_calendar_open_{language}")
