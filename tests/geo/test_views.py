"""Places pages: create and edit forms, GeoJSON upload, stale edits, Jalali dates."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from mahalleh.core.jalali import parse_date
from mahalleh.core.services import ensure_fresh
from mahalleh.geo import services
from mahalleh.geo.geojson import parse_boundary
from mahalleh.geo.models import County, Neighbourhood, Office, Province
from tests.conftest import square

BOW_TIE = {
    "type": "Polygon",
    "coordinates": [[[57.0, 30.0], [57.01, 30.01], [57.01, 30.0], [57.0, 30.01], [57.0, 30.0]]],
}
POINT = {"type": "Point", "coordinates": [57.0, 30.2]}
UNCLOSED = {"type": "Polygon", "coordinates": [[[57.0, 30.0], [57.01, 30.0], [57.01, 30.01], [57.0, 30.01]]]}
SWAPPED = {
    "type": "Polygon",
    "coordinates": [[[lat, lon] for lon, lat in square(57.0, 30.3)["coordinates"][0]]],
}


@pytest.fixture(autouse=True)
def _no_static_scan(settings):
    # Each test client builds the middleware again; with var/static present (after collectstatic)
    # WhiteNoise would stat every file each time (~0.1 s per client). Look files up lazily instead.
    settings.WHITENOISE_AUTOREFRESH = True


def messages_of(call, language="fa") -> list[str]:
    """The messages a ValidationError raised by ``call`` carries, in ``language`` (the UI's default)."""
    with translation.override(language):
        try:
            call()
        except ValidationError as exc:
            return [str(m) for m in exc.messages]
    raise AssertionError("no ValidationError was raised")


def boundary_messages(boundary) -> list[str]:
    return messages_of(lambda: parse_boundary(boundary))


def form_data(response, **changes) -> dict:
    """What a browser would post back from the form on the page, with ``changes`` applied."""
    form = response.context["form"]
    data = {}
    for name, field in form.fields.items():
        if field.disabled or name.startswith("boundary"):
            continue
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, datetime.date):
            value = field.widget.format_value(value)
        if isinstance(value, list | tuple):
            value = [str(v) for v in value]
        data[name] = value
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def field_errors(response, name) -> list[str]:
    return [str(e) for e in response.context["form"].errors.get(name, [])]


def assert_field_error_shown(response, name, messages):
    """The messages are at the field, in the HTML the user reads."""
    html = response.content.decode()
    assert f'data-field-error="{name}"' in html
    for message in messages:
        assert escape(message) in html, message


# ---------------------------------------------------------------------------------------------
# Who may open the forms

CREATE_URLS = ["geo:province_create", "geo:county_create", "geo:office_create", "geo:neighbourhood_create"]


@pytest.mark.parametrize("role", ["analyst", "manager_a", "facilitator_a", "pr_a", "partner_user"])
def test_roles_without_place_management_get_404_on_every_create_and_edit_form(world, login, role):
    client = login(getattr(world, role))
    urls = [reverse(name) for name in CREATE_URLS] + [
        reverse("geo:province_edit", args=[world.kerman.pk]),
        reverse("geo:county_edit", args=[world.county_a.pk]),
        reverse("geo:office_edit", args=[world.office_a.pk]),
        reverse("geo:neighbourhood_edit", args=[world.hood_a.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name_fa": "تغییر", "code": "X"}).status_code == 404, url
    world.office_a.refresh_from_db()
    assert world.office_a.name_fa == "دفتر الف"


def test_office_staff_see_no_edit_button(world, login):
    html = login(world.manager_a).get(reverse("geo:office_detail", args=[world.office_a.pk])).content.decode()
    assert reverse("geo:office_edit", args=[world.office_a.pk]) not in html


def test_coordinator_sees_the_edit_button_on_an_office_of_own_province(world, login):
    html = (
        login(world.coordinator).get(reverse("geo:office_detail", args=[world.office_a.pk])).content.decode()
    )
    assert reverse("geo:office_edit", args=[world.office_a.pk]) in html


def test_coordinator_cannot_open_province_forms(world, login):
    client = login(world.coordinator)
    assert client.get(reverse("geo:province_create")).status_code == 404
    assert client.get(reverse("geo:province_edit", args=[world.kerman.pk])).status_code == 404


# ---------------------------------------------------------------------------------------------
# Provinces and counties


def test_admin_creates_a_province(world, login):
    response = login(world.admin).post(
        reverse("geo:province_create"), {"code": "ysd", "name_fa": "یزد", "name_en": "Yazd"}
    )
    province = Province.objects.get(code="YSD")
    assert response.status_code == 302
    assert response["Location"] == reverse("geo:province_detail", args=[province.pk])


def test_admin_renames_a_province_but_not_its_code(world, login):
    client = login(world.admin)
    url = reverse("geo:province_edit", args=[world.fars.pk])
    data = form_data(client.get(url), name_fa="استان فارس", code="HACK")
    assert client.post(url, data).status_code == 302
    world.fars.refresh_from_db()
    assert (world.fars.code, world.fars.name_fa) == ("FRS", "استان فارس")


def test_duplicate_province_code_is_shown_at_the_field(world, login):
    response = login(world.admin).post(reverse("geo:province_create"), {"code": "KRM", "name_fa": "کرمان دو"})
    assert response.status_code == 200
    assert field_errors(response, "code")
    assert_field_error_shown(response, "code", field_errors(response, "code"))
    assert Province.objects.filter(code="KRM").count() == 1


def test_admin_creates_a_county_anywhere(world, login):
    response = login(world.admin).post(
        reverse("geo:county_create"), {"province": world.fars.pk, "code": "frs-c2", "name_fa": "مرودشت"}
    )
    assert response.status_code == 302
    assert County.objects.get(code="FRS-C2").province == world.fars


def test_coordinator_creates_a_county_in_own_province(world, login):
    response = login(world.coordinator).post(
        reverse("geo:county_create"), {"province": world.kerman.pk, "code": "krm-c3", "name_fa": "بم"}
    )
    assert response.status_code == 302
    assert County.objects.get(code="KRM-C3").province == world.kerman


def test_coordinator_posting_a_county_in_fars_gets_an_error_and_nothing_is_saved(world, login):
    client = login(world.coordinator)
    offered = client.get(reverse("geo:county_create")).context["form"].fields["province"].queryset
    assert list(offered) == [world.kerman]  # Fars is not even offered
    response = client.post(
        reverse("geo:county_create"), {"province": world.fars.pk, "code": "frs-c2", "name_fa": "مرودشت"}
    )
    assert response.status_code == 200
    assert field_errors(response, "province")
    assert_field_error_shown(response, "province", field_errors(response, "province"))
    assert not County.objects.filter(code="FRS-C2").exists()


def test_coordinator_cannot_edit_a_county_of_another_province(world, login):
    client = login(world.coordinator)
    url = reverse("geo:county_edit", args=[world.county_f.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name_fa": "تغییر"}).status_code == 404
    world.county_f.refresh_from_db()
    assert world.county_f.name_fa == "شیراز"


def test_county_form_preselects_the_province_from_the_link(world, login):
    response = login(world.admin).get(reverse("geo:county_create") + f"?province={world.fars.pk}")
    assert response.context["form"]["province"].value() == str(world.fars.pk)


# ---------------------------------------------------------------------------------------------
# Offices


def _office_post(world, **extra):
    return {"county": world.county_a.pk, "code": "oa2", "name_fa": "دفتر دوم", "name_en": "Second", **extra}


def test_admin_creates_an_office_in_fars(world, login):
    response = login(world.admin).post(
        reverse("geo:office_create"), _office_post(world, county=world.county_f.pk, code="of2")
    )
    assert response.status_code == 302
    assert Office.objects.get(code="OF2").county == world.county_f


def test_coordinator_creates_an_office_serving_a_neighbourhood(world, login):
    hood = Neighbourhood.objects.create(county=world.county_a, code="NA3", name_fa="محله سوم")
    response = login(world.coordinator).post(
        reverse("geo:office_create"), _office_post(world, neighbourhoods=[hood.pk])
    )
    assert response.status_code == 302
    office = Office.objects.get(code="OA2")
    assert list(office.neighbourhoods.all()) == [hood]


def test_office_cannot_serve_a_neighbourhood_of_another_county(world, login):
    response = login(world.admin).post(
        reverse("geo:office_create"), _office_post(world, neighbourhoods=[world.hood_b.pk])
    )
    assert response.status_code == 200
    assert_field_error_shown(response, "neighbourhoods", field_errors(response, "neighbourhoods"))
    assert not Office.objects.filter(code="OA2").exists()


def test_coordinator_cannot_create_an_office_in_fars(world, login):
    response = login(world.coordinator).post(
        reverse("geo:office_create"), _office_post(world, county=world.county_f.pk)
    )
    assert response.status_code == 200
    assert field_errors(response, "county")
    assert not Office.objects.filter(code="OA2").exists()


def test_coordinator_edits_an_office_of_own_province(world, login):
    client = login(world.coordinator)
    url = reverse("geo:office_edit", args=[world.office_b.pk])
    data = form_data(client.get(url), address="سیرجان، خیابان امام", phone="03442201234")
    response = client.post(url, data)
    assert response.status_code == 302
    world.office_b.refresh_from_db()
    assert (world.office_b.address, world.office_b.phone) == ("سیرجان، خیابان امام", "03442201234")
    world.hood_b.refresh_from_db()
    assert world.hood_b.office == world.office_b  # the neighbourhoods shown in the form were kept


def test_coordinator_editing_another_provinces_office_gets_404(world, login):
    client = login(world.coordinator)
    url = reverse("geo:office_edit", args=[world.office_f.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name_fa": "تغییر", "version": ""}).status_code == 404
    world.office_f.refresh_from_db()
    assert world.office_f.name_fa == "دفتر شیراز"


def test_stale_office_edit_is_refused_and_the_other_change_is_kept(world, login):
    client = login(world.coordinator)
    url = reverse("geo:office_edit", args=[world.office_a.pk])
    opened = client.get(url)
    old_form = form_data(opened, name_fa="دفتر الف (ویرایش من)")
    assert f'name="version" value="{old_form["version"]}"' in opened.content.decode()
    # Meanwhile someone else changes the office.
    services.office_update(actor=world.admin, office=world.office_a, phone="03432100000")
    response = client.post(url, old_form)
    assert response.status_code == 200
    stale = messages_of(lambda: ensure_fresh(world.office_a, "an old version"))
    assert escape(stale[0]) in response.content.decode()
    world.office_a.refresh_from_db()
    assert world.office_a.phone == "03432100000"
    assert world.office_a.name_fa == "دفتر الف"


def test_stale_office_edit_message_in_english(world, login):
    client = login(world.admin)
    client.post("/i18n/setlang/", {"language": "en"})
    url = reverse("geo:office_edit", args=[world.office_b.pk])
    old_form = form_data(client.get(url), address="my address")
    services.office_update(actor=world.coordinator, office=world.office_b, address="their address")
    html = client.post(url, old_form).content.decode()
    assert "Someone else changed this record after you opened it." in html
    world.office_b.refresh_from_db()
    assert world.office_b.address == "their address"


def test_reopened_form_after_a_stale_refusal_saves(world, login):
    client = login(world.coordinator)
    url = reverse("geo:office_edit", args=[world.office_a.pk])
    old_form = form_data(client.get(url))
    services.office_update(actor=world.admin, office=world.office_a, phone="03432100000")
    assert client.post(url, old_form).status_code == 200
    fresh = form_data(client.get(url), address="کرمان")
    assert client.post(url, fresh).status_code == 302
    world.office_a.refresh_from_db()
    assert (world.office_a.phone, world.office_a.address) == ("03432100000", "کرمان")


@pytest.mark.parametrize("typed", ["1402/05/03", "۱۴۰۲/۰۵/۰۳", "1402/5/3", "2023-07-25"])
def test_opened_on_is_typed_in_jalali_and_stored_gregorian(world, login, typed):
    response = login(world.admin).post(reverse("geo:office_create"), _office_post(world, opened_on=typed))
    assert response.status_code == 302
    assert Office.objects.get(code="OA2").opened_on == datetime.date(2023, 7, 25)


def test_esfand_30_of_a_common_year_is_refused_at_the_field(world, login):
    response = login(world.admin).post(
        reverse("geo:office_create"), _office_post(world, opened_on="1402/12/30")
    )
    assert response.status_code == 200
    expected = messages_of(lambda: parse_date("1402/12/30"))
    assert field_errors(response, "opened_on") == expected
    assert_field_error_shown(response, "opened_on", expected)
    assert not Office.objects.filter(code="OA2").exists()


def test_esfand_30_of_a_leap_year_is_accepted(world, login):
    response = login(world.admin).post(
        reverse("geo:office_create"), _office_post(world, opened_on="1403/12/30")
    )
    assert response.status_code == 302
    assert Office.objects.get(code="OA2").opened_on == datetime.date(2025, 3, 20)


def test_office_edit_form_shows_the_date_in_jalali_with_persian_digits(world, login):
    html = login(world.admin).get(reverse("geo:office_edit", args=[world.office_a.pk])).content.decode()
    assert 'value="۱۴۰۲/۰۱/۰۱"' in html


def test_office_page_shows_jalali_date_and_persian_digits(world, login):
    response = login(world.facilitator_a).get(reverse("geo:office_detail", args=[world.office_a.pk]))
    html = response.content.decode()
    opened = html.split('data-testid="opened-on">', 1)[1].split("<", 1)[0]
    assert "۱۴۰۲" in opened and "فروردین" in opened  # 2023-03-21 is 1 Farvardin 1402
    assert "2023" not in opened and "1402" not in opened


def test_office_page_in_english_shows_jalali_with_latin_digits(world, login):
    client = login(world.facilitator_a)
    client.post("/i18n/setlang/", {"language": "en"})
    html = client.get(reverse("geo:office_detail", args=[world.office_a.pk])).content.decode()
    opened = html.split('data-testid="opened-on">', 1)[1].split("<", 1)[0]
    assert "1402" in opened and "Farvardin" in opened


def test_neighbourhood_numbers_use_persian_digits(world, login):
    html = login(world.facilitator_a).get(reverse("geo:neighbourhood_detail", args=[world.hood_a.pk])).content
    assert "۱۲٬۰۰۰" in html.decode()  # est_population 12000, grouped by thousands
    assert "۳٬۳۰۰" in html.decode()


# ---------------------------------------------------------------------------------------------
# Neighbourhoods and their GeoJSON boundary


def _hood_post(world, **extra):
    return {"county": world.county_a.pk, "code": "na9", "name_fa": "محله نه", "kind": "target", **extra}


def _geojson_file(geometry) -> SimpleUploadedFile:
    import json

    return SimpleUploadedFile("boundary.geojson", json.dumps(geometry).encode(), "application/geo+json")


def test_valid_polygon_upload_is_saved(world, login):
    response = login(world.coordinator).post(
        reverse("geo:neighbourhood_create"),
        _hood_post(world, office=world.office_a.pk, boundary_file=_geojson_file(square(57.2, 30.3))),
    )
    assert response.status_code == 302
    hood = Neighbourhood.objects.get(code="NA9")
    assert hood.boundary == parse_boundary(square(57.2, 30.3))
    assert hood.office == world.office_a


def test_valid_feature_pasted_as_text_is_saved(world, login):
    import json

    feature = {"type": "Feature", "properties": {}, "geometry": square(57.2, 30.3)}
    response = login(world.admin).post(
        reverse("geo:neighbourhood_create"), _hood_post(world, boundary_text=json.dumps(feature))
    )
    assert response.status_code == 302
    assert Neighbourhood.objects.get(code="NA9").boundary["type"] == "Polygon"


@pytest.mark.parametrize(
    "geometry",
    [POINT, UNCLOSED, BOW_TIE, SWAPPED],
    ids=["point", "unclosed-ring", "bow-tie", "lat-lon-swapped"],
)
def test_bad_boundary_upload_shows_the_reason_and_keeps_the_old_boundary(world, login, geometry):
    client = login(world.coordinator)
    url = reverse("geo:neighbourhood_edit", args=[world.hood_a.pk])
    before = Neighbourhood.objects.get(pk=world.hood_a.pk).boundary
    data = form_data(client.get(url), name_fa="محله الف تازه", boundary_file=_geojson_file(geometry))
    response = client.post(url, data)
    assert response.status_code == 200
    expected = boundary_messages(geometry)
    assert field_errors(response, "boundary_file") == expected
    assert_field_error_shown(response, "boundary_file", expected)
    world.hood_a.refresh_from_db()
    assert world.hood_a.boundary == before
    assert world.hood_a.name_fa == "محله الف"


@pytest.mark.parametrize("geometry", [POINT, BOW_TIE], ids=["point", "bow-tie"])
def test_bad_boundary_pasted_as_text_shows_the_reason(world, login, geometry):
    import json

    response = login(world.admin).post(
        reverse("geo:neighbourhood_create"), _hood_post(world, boundary_text=json.dumps(geometry))
    )
    assert response.status_code == 200
    assert_field_error_shown(response, "boundary_text", boundary_messages(geometry))
    assert not Neighbourhood.objects.filter(code="NA9").exists()


def test_not_json_upload_is_refused(world, login):
    upload = SimpleUploadedFile("boundary.geojson", b"{not json", "application/json")
    response = login(world.admin).post(
        reverse("geo:neighbourhood_create"), _hood_post(world, boundary_file=upload)
    )
    assert response.status_code == 200
    assert field_errors(response, "boundary_file")
    assert not Neighbourhood.objects.filter(code="NA9").exists()


def test_edit_without_a_new_file_keeps_the_boundary(world, login):
    client = login(world.admin)
    url = reverse("geo:neighbourhood_edit", args=[world.hood_a.pk])
    before = world.hood_a.boundary
    response = client.post(url, form_data(client.get(url), est_population="13000"))
    assert response.status_code == 302
    world.hood_a.refresh_from_db()
    assert world.hood_a.est_population == 13000
    assert world.hood_a.boundary == before


def test_comparison_neighbourhood_with_an_office_is_refused_at_the_office_field(world, login):
    response = login(world.admin).post(
        reverse("geo:neighbourhood_create"), _hood_post(world, kind="comparison", office=world.office_a.pk)
    )
    assert response.status_code == 200
    assert field_errors(response, "office")
    assert not Neighbourhood.objects.filter(code="NA9").exists()


def test_neighbourhood_office_from_another_county_is_refused(world, login):
    response = login(world.admin).post(
        reverse("geo:neighbourhood_create"), _hood_post(world, office=world.office_b.pk)
    )
    assert response.status_code == 200
    assert field_errors(response, "office")
    assert not Neighbourhood.objects.filter(code="NA9").exists()


def test_coordinator_cannot_create_a_neighbourhood_in_fars(world, login):
    response = login(world.coordinator).post(
        reverse("geo:neighbourhood_create"), _hood_post(world, county=world.county_f.pk)
    )
    assert response.status_code == 200
    assert field_errors(response, "county")
    assert not Neighbourhood.objects.filter(code="NA9").exists()


def test_coordinator_editing_a_fars_neighbourhood_gets_404(world, login):
    client = login(world.coordinator)
    url = reverse("geo:neighbourhood_edit", args=[world.hood_f.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name_fa": "x", "kind": "target"}).status_code == 404


def test_stale_neighbourhood_edit_is_refused(world, login):
    client = login(world.admin)
    url = reverse("geo:neighbourhood_edit", args=[world.hood_a.pk])
    old_form = form_data(client.get(url), name_fa="نام من")
    services.neighbourhood_update(actor=world.coordinator, neighbourhood=world.hood_a, est_population=1)
    response = client.post(url, old_form)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    world.hood_a.refresh_from_db()
    assert (world.hood_a.name_fa, world.hood_a.est_population) == ("محله الف", 1)
