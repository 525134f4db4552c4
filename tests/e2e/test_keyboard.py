"""Issue #16 item 2: the keyboard alone reaches and sees everything: the skip link, a visible focus
ring, the attendance switches (with the counts read out) and the date picker."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mahalleh.accounts.models import User
from mahalleh.activities import services as activity_services
from tests.e2e.conftest import sign_in, snap
from tests.e2e.test_activities_journey import residents

pytestmark = pytest.mark.e2e


def focused(page) -> dict:
    return page.evaluate(
        """() => { const el = document.activeElement, s = getComputedStyle(el);
                   return {id: el.id, tag: el.localName, text: el.textContent.trim(),
                           outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"""
    )


def test_first_tab_shows_the_skip_link_and_enter_moves_past_the_menu(page):
    sign_in(page, "facilitator")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    expect(skip).to_have_text("رفتن به محتوای اصلی")
    box = skip.bounding_box()
    assert box and box["width"] > 40 and box["height"] > 20  # really on screen, not a 1-px clip
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    # The next Tab lands inside the content (the breadcrumb), not back in the menu.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#main') !== null")


def test_the_focus_ring_is_visible_on_links_buttons_and_fields(page):
    sign_in(page, "facilitator")
    page.goto("/registry/")
    page.keyboard.press("Tab")  # skip link
    for _ in range(3):  # into the blue bar: brand, first links
        page.keyboard.press("Tab")
        ring = focused(page)
        assert ring["outline"] != "none" and ring["width"] >= 2, ring
    search = page.locator("#main input[type=search]").first
    search.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    ring = focused(page)
    assert ring["outline"] != "none" and ring["width"] >= 2, ring


def test_attendance_is_taken_with_space_and_the_counts_are_announced(page):
    facilitator = User.objects.get(username="facilitator")
    people = residents(facilitator)
    today = timezone.localdate()
    activity = activity_services.activity_create(
        actor=facilitator,
        kind="class",
        title="کلاس کتاب‌خوانی",
        facilitator=facilitator,
        starts_on=today - datetime.timedelta(days=7),
    )
    for person in people:
        activity_services.enrol(actor=facilitator, activity=activity, person=person)
    session = activity_services.session_create(actor=facilitator, activity=activity, date=today)
    sign_in(page, "facilitator")
    page.goto(f"/activities/sessions/{session.pk}/")

    summary = page.get_by_test_id("attendance-summary")
    expect(summary).to_have_attribute("role", "status")
    switch = page.locator(f"#present-{people[1].pk}")
    expect(switch).to_be_checked()
    switch.focus()
    page.keyboard.press("Space")
    row = page.locator(f"#mark-{people[1].pk}")
    expect(row.get_by_test_id("saved-mark")).to_have_text("غایب")
    # The same live region is still in the page (its content was swapped), with the new count.
    expect(page.get_by_test_id("absent-count")).to_have_text("۱")
    assert page.evaluate("document.querySelectorAll('#attendance-summary[role=status]').length") == 1
    # The focus stayed on the switch, so the next Space undoes it.
    expect(page.locator(f"#present-{people[1].pk}")).to_be_focused()
    page.keyboard.press("Space")
    expect(row.get_by_test_id("saved-mark")).to_have_text("حاضر")
    snap(page, "keyboard_attendance")


def test_the_date_picker_lets_a_keyboard_user_type_and_escape(page):
    sign_in(page, "facilitator")
    page.goto("/activities/new/")
    date = page.locator("#id_starts_on")
    expect(date).to_have_attribute("placeholder", "۱۴۰۲/۰۵/۰۳")
    date.focus()
    calendar = page.locator("jdp-container")
    expect(calendar).to_be_visible()
    page.keyboard.type("1404/01/15")
    page.keyboard.press("Escape")
    expect(calendar).to_be_hidden()
    expect(date).to_have_value("1404/01/15")
    expect(date).to_be_focused()
