"""The API docs page shows its introduction in Persian and in English, rendered by the vendored
Swagger UI with no request leaving the server (offices often have no internet)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import snap

pytestmark = pytest.mark.e2e


def test_the_api_docs_page_shows_the_persian_and_the_english_introduction(browsing, transactional_db):
    page = browsing.new_page()
    outside = []

    def only_this_server(route):
        if route.request.url.startswith(browsing.base_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto("/api/docs/")
    intro = page.locator(".information-container .info")
    persian = intro.locator('[dir="rtl"][lang="fa"]')
    expect(persian).to_contain_text("راهنمای کوتاه.")
    expect(persian).to_contain_text("صفحه‌بندی با نشانگر")
    expect(persian).to_contain_text("POST /api/v1/stories/{id}/images/")
    expect(intro).to_contain_text("In short.")
    expect(intro).to_contain_text("Cursor pagination")
    expect(intro).to_contain_text("A form body anywhere else is a 415.")
    # The English half is outside the right-to-left block.
    expect(persian).not_to_contain_text("In short.")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()  # the endpoints, too
    snap(page, "api_docs_introduction")
    assert outside == []
