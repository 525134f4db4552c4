"""Maps drawn by Leaflet from the scoped neighbourhoods; other offices' places are not found."""

import json
import re

import pytest
from playwright.sync_api import expect

from mahalleh.accounts.models import User
from mahalleh.geo.models import Neighbourhood
from tests.e2e.conftest import sign_in, snap

pytestmark = pytest.mark.e2e

DEMO_NEIGHBOURHOODS = 15


def test_province_coordinator_sees_all_15_demo_neighbourhoods_on_the_map(page):
    assert Neighbourhood.objects.exclude(boundary=None).count() == DEMO_NEIGHBOURHOODS

    sign_in(page, "province_coordinator")
    page.locator("a[data-nav=map]").click()
    page.wait_for_url("/places/map/")

    the_map = page.locator(".map")
    expect(the_map).to_have_attribute("data-ready", "1")
    expect(the_map).to_have_attribute("data-features", str(DEMO_NEIGHBOURHOODS))
    expect(the_map.locator("path.leaflet-interactive")).to_have_count(DEMO_NEIGHBOURHOODS)
    # Polygons really have an on-screen size (a map drawn in a zero-size box would not).
    box = the_map.locator("path.leaflet-interactive").first.bounding_box()
    assert box and box["width"] > 2 and box["height"] > 2
    snap(page, "map_province_coordinator")


def test_facilitator_sees_only_their_office_and_gets_404_for_another_office(page):
    user = User.objects.get(username="facilitator")
    own_hoods = Neighbourhood.objects.filter(office=user.office).exclude(boundary=None)
    own = set(own_hoods.values_list("pk", flat=True))
    assert own, "the demo facilitator's office has no neighbourhood"
    other = Neighbourhood.objects.exclude(office=user.office).exclude(office=None).first()

    sign_in(page, "facilitator")
    # The home page is the facilitator's dashboard now; the map has its own page.
    page.locator("a[data-nav=map]").click()
    page.wait_for_url("/places/map/")
    the_map = page.locator(".map")
    expect(the_map).to_have_attribute("data-ready", "1")
    expect(the_map).to_have_attribute("data-features", str(len(own)))
    expect(the_map.locator("path.leaflet-interactive")).to_have_count(len(own))
    drawn = json.loads(page.locator(f"#{the_map.get_attribute('data-geojson-id')}").text_content())
    assert {f["properties"]["id"] for f in drawn["features"]} == own
    snap(page, "map_facilitator")

    response = page.goto(f"/places/neighbourhoods/{other.pk}/")
    assert response.status == 404
    heading = page.locator("#main h1")
    expect(heading).to_be_visible()
    text = page.locator("#main").inner_text()
    assert "۴۰۴" in text
    title = heading.inner_text()
    assert re.search(r"[\u0600-\u06ff]{3,}", title), f"the 404 heading is not in Persian: {title!r}"
    assert "Page not found" not in text
    assert other.name_fa not in page.content(), "the 404 page leaks the neighbourhood's name"
    snap(page, "not_found_other_office")
