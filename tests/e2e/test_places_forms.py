"""Editing places as the national administrator: GeoJSON boundaries and Jalali dates."""

import datetime
import json

import pytest
from playwright.sync_api import expect

from mahalleh.geo.geojson import boundary_centroid
from mahalleh.geo.models import Neighbourhood, Office
from tests.e2e.conftest import sign_in, snap, submit

pytestmark = pytest.mark.e2e


def geojson_file(name: str, geometry: dict) -> dict:
    return {"name": name, "mimeType": "application/geo+json", "buffer": json.dumps(geometry).encode()}


def test_admin_gets_field_errors_for_bad_boundaries_then_saves_a_valid_one(page):
    hood = Neighbourhood.objects.order_by("code").first()
    original = hood.boundary
    lon, lat = (round(v, 4) for v in boundary_centroid(original))
    d = 0.004
    east, north = round(lon + d, 6), round(lat + d, 6)
    line = {"type": "LineString", "coordinates": [[lon, lat], [east, north]]}
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [east, north], [east, lat], [lon, north], [lon, lat]]],
    }
    square = {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [east, lat], [east, north], [lon, north], [lon, lat]]],
    }

    sign_in(page, "national_admin")
    edit_url = f"/places/neighbourhoods/{hood.pk}/edit/"
    page.goto(edit_url)

    # 1. A LineString uploaded as a file: refused at the file field.
    page.locator("#id_boundary_file").set_input_files(geojson_file("line.geojson", line))
    submit(page)
    error = page.locator("[data-field-error=boundary_file]")
    expect(error).to_be_visible()
    expect(error).to_contain_text("LineString")
    expect(page.locator("#id_boundary_file")).to_have_class("form-control is-invalid")
    expect(page.locator(".alert-success")).to_have_count(0)
    hood.refresh_from_db()
    assert hood.boundary == original
    snap(page, "boundary_linestring_refused")

    # 2. A bow-tie polygon pasted as text: refused at the text field, and the text is kept for fixing.
    page.fill("#id_boundary_text", json.dumps(bow_tie))
    submit(page)
    error = page.locator("[data-field-error=boundary_text]")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(page.locator("[data-field-error=boundary_file]")).to_have_count(0)
    assert json.loads(page.locator("#id_boundary_text").input_value()) == bow_tie
    hood.refresh_from_db()
    assert hood.boundary == original
    snap(page, "boundary_bow_tie_refused")

    # 3. A valid square uploaded as a file: saved, and it is what the neighbourhood's map draws.
    page.fill("#id_boundary_text", "")
    page.locator("#id_boundary_file").set_input_files(geojson_file("square.geojson", square))
    submit(page)
    page.wait_for_url(f"/places/neighbourhoods/{hood.pk}/")
    expect(page.locator(".alert-success")).to_be_visible()
    hood.refresh_from_db()
    assert hood.boundary != original
    assert hood.boundary["type"] == "Polygon"
    corners = {tuple(p) for p in hood.boundary["coordinates"][0]}
    assert corners == {tuple(p) for p in square["coordinates"][0]}

    the_map = page.locator(".map")
    expect(the_map).to_have_attribute("data-ready", "1")
    expect(the_map).to_have_attribute("data-features", "1")
    expect(the_map.locator("path.leaflet-interactive")).to_have_count(1)
    bounds = the_map.evaluate(
        "el => { const b = el._mahalleh.layer.getBounds();"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
    )
    assert bounds == pytest.approx([lon, lat, east, north], abs=1e-9)
    snap(page, "boundary_saved")


def test_admin_types_a_jalali_opening_date_and_the_office_page_shows_it(page):
    office = Office.objects.order_by("code").first()
    assert office.opened_on != datetime.date(2023, 7, 25)

    sign_in(page, "national_admin")
    page.goto(f"/places/offices/{office.pk}/")
    page.locator("#main a[href$='/edit/']").click()
    page.wait_for_url(f"/places/offices/{office.pk}/edit/")

    date_input = page.locator("#id_opened_on")
    date_input.click()
    calendar = page.locator("jdp-container")
    expect(calendar).to_be_visible()  # the Jalali date picker opened
    # No pause for the picker's 300 ms opening transition: app.js closes it on a click outside
    # even then, and keeps it closed (issue 8.17).
    date_input.press("Control+a")
    date_input.press_sequentially("1402/05/03")
    page.locator("#main h1").click()  # click away, as a user does: the calendar closes, the text stays
    expect(page.locator("body[data-date-picker=closed]")).to_have_count(1)
    expect(calendar).to_be_hidden()
    expect(date_input).to_have_value("1402/05/03")
    snap(page, "office_date_typed")
    submit(page)

    page.wait_for_url(f"/places/offices/{office.pk}/")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("[data-testid=opened-on]")).to_have_text("۳ مرداد ۱۴۰۲")
    office.refresh_from_db()
    assert office.opened_on == datetime.date(2023, 7, 25)
    snap(page, "office_date_saved")
