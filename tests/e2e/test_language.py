"""Persian first, English on request, and the choice is remembered."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in, snap

pytestmark = pytest.mark.e2e


def expect_language(page, lang: str, direction: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", direction)
    rtl_css = page.locator("link[href*='bootstrap.rtl']")
    expect(rtl_css).to_have_count(1 if direction == "rtl" else 0)


def test_persian_by_default_switch_to_english_is_remembered_and_switch_back(page):
    # The browser asks for English (Accept-Language: en-US), but the product is Persian first.
    with page.expect_response(lambda r: r.url.endswith("/accounts/login/")) as info:
        page.goto("/accounts/login/")
    assert info.value.request.headers.get("accept-language", "").startswith("en-US")
    expect_language(page, "fa", "rtl")

    sign_in(page, "facilitator")
    expect_language(page, "fa", "rtl")
    switch = page.locator("[data-testid=language-switch]")
    expect(switch.locator("button")).to_have_text("English")

    switch.locator("button[value=en]").click()
    page.wait_for_url("/")
    expect_language(page, "en", "ltr")
    expect(page.locator("a[data-nav=neighbourhoods]")).to_have_text("Neighbourhoods")
    expect(switch.locator("button")).to_have_text("فارسی")

    # Another page, reached by a plain link: still English.
    page.locator("a[data-nav=neighbourhoods]").click()
    page.wait_for_url("/places/neighbourhoods/")
    expect_language(page, "en", "ltr")
    expect(page.locator("a[data-nav=neighbourhoods]")).to_have_class("nav-link active")
    snap(page, "language_english")

    # And back to Persian, staying on the same page.
    switch.locator("button[value=fa]").click()
    page.wait_for_url("/places/neighbourhoods/")
    expect_language(page, "fa", "rtl")
    expect(switch.locator("button")).to_have_text("English")
    page.goto("/places/map/")
    expect_language(page, "fa", "rtl")
    snap(page, "language_persian_again")
