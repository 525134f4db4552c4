"""The navbar collapses on a phone and the toggler opens it."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, sign_in, snap

pytestmark = pytest.mark.e2e


def test_facilitator_on_a_phone_opens_the_menu_and_reaches_neighbourhoods(browsing, demo):
    page = browsing.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, "facilitator")

    link = page.locator("a[data-nav=neighbourhoods]")
    toggler = page.locator("button.navbar-toggler")
    expect(toggler).to_be_visible()
    expect(link).to_be_hidden()
    expect(toggler).to_have_attribute("aria-expanded", "false")

    toggler.tap()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    # Bootstrap animates the opening ("collapsing"); wait until it has settled open.
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"^(?!.*collapsing).*\bshow\b"))
    expect(link).to_be_visible()
    # Nothing sticks out sideways on a 390 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    snap(page, "phone_menu_open")

    link.tap()
    page.wait_for_url("/places/neighbourhoods/")
    expect(page.locator("a[data-nav=neighbourhoods]")).to_be_hidden()  # menu closed again on the new page
    expect(page.locator("#main table, #main .map").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    snap(page, "phone_neighbourhoods")
