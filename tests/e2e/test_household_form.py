"""The one-page household registration in Chromium (issue 8.2): a facilitator fills a household of
four the way a person does — typing, "add member", picking dates on the calendar — and saves once.

The elapsed time and the number of user actions are PRINTED (run with -s to see them), never
asserted: timings belong in `make bench`.
"""

import re
import time

import jdatetime
import pytest
from playwright.sync_api import expect

from mahalleh.accounts.models import User
from mahalleh.core.national_code import make_national_code
from mahalleh.registry.forms import birth_years
from mahalleh.registry.models import Household, Person
from tests.e2e.conftest import PHONE, axe_violations, sign_in, snap, with_axe

pytestmark = pytest.mark.e2e


HEAD = {"code": make_national_code("377100001"), "first": "حسن", "last": "نادری", "sex": "male"}
MEMBERS = [
    # (row, fields); the spouse's birth date is typed in Persian digits, the children's are picked.
    (0, {"code": make_national_code("377100002"), "first": "زینب", "last": "نادری", "sex": "female",
         "relation": "spouse", "birth": "۱۳۶۸/۰۲/۱۱"}),
    (2, {"code": make_national_code("377100003"), "first": "امیر", "last": "نادری", "sex": "male",
         "relation": "child"}),
    (3, {"code": make_national_code("377100004"), "first": "نرگس", "last": "نادری", "sex": "female",
         "relation": "child", "birth": "1399/10/05"}),
]  # fmt: skip


class Actions:
    """Does what a person does on the page, one counted action per click, choice or typed field."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def click(self, selector):
        self.count += 1
        self.page.locator(selector).click()

    def press(self, selector, key):
        self.count += 1
        self.page.locator(selector).press(key)

    def type(self, selector, text):
        self.count += 1
        box = self.page.locator(selector)
        box.click()
        box.press_sequentially(text)

    def choose(self, selector, value):
        self.count += 1
        self.page.locator(selector).select_option(value)


def pick_date(act: Actions, page, selector: str, expected_year: int) -> str:
    """Open the calendar on a birth-date box: it must open near the plausible year; pick a day."""
    act.click(selector)
    calendar = page.locator("jdp-container")
    expect(calendar).to_be_visible()
    expect(calendar.locator(".jdp-year select")).to_have_value(str(expected_year))
    act.click("jdp-container .jdp-day:not(.not-in-month) >> nth=9")
    expect(page.locator(selector)).to_have_value(re.compile(rf"^{expected_year}/\d\d/10$"))
    expect(page.locator("jdp-container")).to_be_hidden()
    return page.locator(selector).input_value()


def type_date(act: Actions, page, selector: str, text: str) -> None:
    act.type(selector, text)
    act.press(selector, "Tab")
    # Closed for good: the picker's own timer can show it again after a first hide (issue 8.17).
    expect(page.locator("body[data-date-picker=closed]")).to_have_count(1)
    expect(page.locator("jdp-container")).to_be_hidden()
    expect(page.locator(selector)).to_have_value(text)


def fill_person(act: Actions, page, prefix: str, person: dict) -> None:
    expect(page.locator(f"#id_{prefix}national_code")).to_be_visible()
    act.type(f"#id_{prefix}national_code", person["code"])
    act.type(f"#id_{prefix}first_name", person["first"])
    act.type(f"#id_{prefix}last_name", person["last"])
    act.choose(f"#id_{prefix}sex", person["sex"])
    if "relation" in person:
        act.choose(f"#id_{prefix}relation", person["relation"])


def test_a_household_of_four_on_one_page(page, demo):
    facilitator = User.objects.get(username="facilitator")
    hood = facilitator.office.neighbourhoods.order_by("code").first()
    years = birth_years()
    with_axe(page)
    sign_in(page, "facilitator")
    page.goto("/registry/")

    act = Actions(page)
    started = time.monotonic()
    act.click("[data-testid=add-household]")
    page.wait_for_url("/registry/households/new/")
    # Persian UI: example values in Persian digits.
    expect(page.locator("#id_birth_date")).to_have_attribute("placeholder", "۱۳۶۵/۰۵/۰۳")
    expect(page.locator("#id_mobile")).to_have_attribute("placeholder", "۰۹۱۲۱۲۳۴۵۶۷")
    act.choose("#id_neighbourhood", str(hood.pk))
    act.type("#id_address", "کوچه لاله، پلاک ۹")

    # Row 1, the head: his birth date picked on a calendar that opens around the year an adult head
    # was born (not this year).
    fill_person(act, page, "", HEAD)
    head_birth = pick_date(act, page, "#id_birth_date", years["head"])
    act.type("#id_mobile", "09127654321")

    announcer = page.locator("[data-testid=row-announcer]")
    for index, person in MEMBERS:
        if index == 2:
            # A row added by mistake, and removed with the keyboard: the next rows keep counting on.
            act.click("[data-testid=add-member-row]")
            expect(page.locator("[data-testid=member-row-1]")).to_be_visible()
            act.press("[data-testid=remove-member-1]", "Enter")
            expect(page.locator("[data-testid=member-row-1]")).to_have_count(0)
            expect(announcer).to_have_text(re.compile("۳"))
            expect(page.locator("[data-testid=add-member-row]")).to_be_focused()
        act.click("[data-testid=add-member-row]")
        row = page.locator(f"[data-testid=member-row-{index}]")
        expect(row).to_be_visible()
        expect(announcer).to_have_text(
            re.compile(str(index + 2).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
        )
        prefix = f"member-{index}-"
        fill_person(act, page, prefix, person)
        if "birth" in person:
            type_date(act, page, f"#id_{prefix}birth_date", person["birth"])
        else:
            person["birth"] = pick_date(act, page, f"#id_{prefix}birth_date", years["child"])

    assert axe_violations(page) == []
    snap(page, "household_form_desktop")
    act.click("[data-testid=save-household]")
    page.wait_for_url(re.compile(r"/registry/households/\d+/$"))
    elapsed = time.monotonic() - started

    expect(page.locator(".alert-success")).to_be_visible()
    rows = page.locator("[data-testid=member-row]")
    expect(rows).to_have_count(4)
    for person in [HEAD] + [p for _, p in MEMBERS]:
        expect(rows.filter(has_text=f"{person['first']} {person['last']}")).to_have_count(1)
    print(f"\nhousehold of four on one page: {elapsed:.1f} s, {act.count} user actions")

    household = Household.objects.get(address="کوچه لاله، پلاک ۹")
    assert household.head.national_code == HEAD["code"]
    assert household.head.birth_date == jdatetime.date(*map(int, head_birth.split("/"))).togregorian()
    assert (
        Person.objects.get(national_code=MEMBERS[0][1]["code"]).birth_date
        == jdatetime.date(1368, 2, 11).togregorian()
    )
    assert Person.objects.get(national_code=MEMBERS[1][1]["code"]).birth_date.year >= 2010
    snap(page, "household_form_saved")


@pytest.mark.parametrize("width", [PHONE["width"], 320])
def test_the_household_page_fits_a_phone(browsing, demo, width):
    page = with_axe(
        browsing.new_page(viewport={"width": width, "height": 844}, is_mobile=True, has_touch=True)
    )
    sign_in(page, "facilitator")
    page.goto("/registry/households/new/")
    page.locator("[data-testid=add-member-row]").tap()
    expect(page.locator("[data-testid=member-row-0]")).to_be_visible()
    expect(page.locator("#id_member-0-first_name")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Errors at a row, as a screen reader meets them: axe finds nothing wrong with them either.
    page.locator("#id_member-0-first_name").fill("سارا")
    page.locator("[data-testid=save-household]").tap()
    expect(page.locator("[data-testid=member-row-0] [data-field-error=last_name]")).to_be_visible()
    assert axe_violations(page) == []
    snap(page, f"household_form_phone_{width}")
