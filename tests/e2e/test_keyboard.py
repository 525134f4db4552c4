"""Issue #16 item 2: the keyboard alone reaches and sees everything: the skip link, a visible focus
ring, the attendance switches (with the counts read out), the date picker, Tab in the reading order
(right to left in Persian) and menus that give the focus back to their button when Escape closes
them."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mahalleh.accounts.models import User
from mahalleh.activities import services as activity_services
from tests.e2e.conftest import PHONE, sign_in, snap
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


def test_tab_into_a_filled_date_box_then_typing_replaces_the_date(page):
    """Tab selects a text box's whole value, so typing replaces it. The date box turns Persian digits
    into Latin ones when it takes the focus (the picker reads those), and that change must keep the
    selection: a keyboard user once got «1405/09/151405/07/10» for a prefilled date."""
    sign_in(page, "facilitator")
    page.goto("/activities/new/")
    date = page.locator("#id_starts_on")
    date.focus()
    page.keyboard.type("۱۴۰۴/۰۱/۱۵")
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Tab")
    expect(date).not_to_be_focused()
    page.keyboard.press("Tab")
    expect(date).to_be_focused()
    expect(date).to_have_value("1404/01/15")
    page.keyboard.type("1405/07/10")
    page.keyboard.press("Escape")
    expect(date).to_have_value("1405/07/10")


TAB_STOP = """(form) => {
  const el = document.activeElement, box = el.getBoundingClientRect();
  return {what: `${el.localName}#${el.id || el.name || ''}`, inside: Boolean(el.closest(form)),
          left: box.left, right: box.right,
          top: box.top + window.scrollY, bottom: box.bottom + window.scrollY};
}"""


def tab_stops(page, form: str, limit: int = 60) -> list[dict]:
    """The controls Tab reaches in `form`, from its first field on, with their boxes on the page."""
    page.locator(f"{form} :is(input:not([type=hidden]), select, textarea)").first.focus()
    stops = []
    for _ in range(limit):
        stop = page.evaluate(TAB_STOP, form)
        if not stop["inside"]:
            break
        stops.append(stop)
        page.keyboard.press("Tab")
    return stops


def out_of_reading_order(stops: list[dict], rtl: bool) -> list[str]:
    """Pairs of consecutive stops where Tab jumps against the reading order: on one line it must go
    right to left in Persian (left to right in English), and a new line must be lower down."""
    wrong = []
    for a, b in zip(stops, stops[1:], strict=False):
        same_line = b["top"] < a["bottom"] - 2 and b["bottom"] > a["top"] + 2
        if same_line:
            onward = b["right"] <= a["left"] + 1 if rtl else b["left"] >= a["right"] - 1
        else:
            onward = b["top"] >= a["bottom"] - 2
        if not onward:
            wrong.append(f"{a['what']} -> {b['what']}: {a} then {b}")
    return wrong


@pytest.mark.parametrize("language", ["fa", "en"])
def test_tab_follows_the_reading_order_of_the_household_form(page, language):
    """Three fields a line: Tab goes right to left in Persian, left to right in English, then down."""
    sign_in(page, "facilitator")
    if language == "en":
        page.context.add_cookies([{"name": "mahalleh_language", "value": "en", "url": page.url}])
    page.goto("/registry/households/new/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "fa" else "ltr")
    stops = tab_stops(page, "[data-testid=household-form]")
    assert len(stops) >= 10, stops
    lines = {round(s["top"]) for s in stops}
    assert len(lines) < len(stops), "no two fields side by side: the check would prove nothing"
    assert out_of_reading_order(stops, rtl=language == "fa") == []
    # The same stops read in the other direction are out of order: the check can fail.
    assert out_of_reading_order(stops, rtl=language != "fa") != []
    # Tab reaches the save button after the fields, never skipping back into the menu.
    assert stops[-1]["what"].startswith(("button", "a")), stops[-1]


def test_escape_closes_a_menu_and_gives_the_focus_back_to_its_button(page):
    people = residents(User.objects.get(username="facilitator"))
    sign_in(page, "facilitator")

    # The notifications bell: opened with Enter, the first item reached with the arrow, Escape.
    bell = page.get_by_test_id("notification-bell").locator("button")
    _menu_by_keyboard(
        page, bell, page.get_by_test_id("notification-bell").locator(".dropdown-menu"), ":focus"
    )
    expect(bell).to_have_attribute("aria-expanded", "false")

    # "Record harm" on the household page.
    page.goto(f"/registry/households/{people[0].household_id}/")
    toggle = page.get_by_test_id("record-harm")
    _menu_by_keyboard(page, toggle, toggle.locator("xpath=following-sibling::ul"), "a:focus")


def test_escape_closes_the_phone_menu_and_gives_the_focus_back_to_its_button(browsing, demo):
    page = browsing.new_page(viewport=PHONE)
    sign_in(page, "facilitator")
    toggler = page.locator("button.navbar-toggler")
    menu = page.locator("#main-nav")
    toggler.focus()
    page.keyboard.press("Enter")
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(menu).to_have_class(re.compile(r"^(?!.*collapsing).*\bshow\b"))
    page.keyboard.press("Tab")  # into the menu: its first link
    assert page.evaluate("document.activeElement.closest('#main-nav') !== null")
    page.keyboard.press("Escape")
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(menu).not_to_have_class(re.compile(r"\bshow\b"))
    # Closed to the eye, not only on its way: Bootstrap ignores a toggle while the menu still slides.
    expect(menu).to_be_hidden()
    expect(toggler).to_be_focused()
    snap(page, "keyboard_phone_menu_escaped")

    # With the bell open inside the menu, the first Escape closes the bell only, the second the menu.
    page.keyboard.press("Enter")
    expect(menu).to_have_class(re.compile(r"^(?!.*collapsing).*\bshow\b"))
    bell = page.get_by_test_id("notification-bell").locator("button")
    bell.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("notification-bell").locator(".dropdown-menu")).to_be_visible()
    page.keyboard.press("Escape")
    expect(bell).to_be_focused()
    expect(menu).to_have_class(re.compile(r"\bshow\b"))
    page.keyboard.press("Escape")
    expect(menu).not_to_have_class(re.compile(r"\bshow\b"))
    expect(toggler).to_be_focused()


def _menu_by_keyboard(page, toggle, menu, focused_item):
    """Enter opens the menu, the arrow reaches its first item, Escape closes it and gives the focus
    back to its toggle."""
    toggle.focus()
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(menu.locator(focused_item)).to_have_count(1)
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(toggle).to_be_focused()
