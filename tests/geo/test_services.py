"""Places services: who may write where, and what is refused."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mahalleh.core.services import version_token
from mahalleh.geo import services
from mahalleh.geo.models import County, Neighbourhood, Office, Province
from tests.conftest import square

BOW_TIE = {
    "type": "Polygon",
    "coordinates": [[[57.0, 30.0], [57.01, 30.01], [57.01, 30.0], [57.0, 30.01], [57.0, 30.0]]],
}


def test_admin_creates_a_province_with_an_upper_case_code(world):
    province = services.province_create(actor=world.admin, code=" ysd ", name_fa=" یزد ", name_en="Yazd")
    assert (province.code, province.name_fa) == ("YSD", "یزد")


@pytest.mark.parametrize("role", ["analyst", "coordinator", "manager_a", "facilitator_a", "partner_user"])
def test_only_the_admin_creates_provinces(world, role):
    with pytest.raises(PermissionDenied):
        services.province_create(actor=getattr(world, role), code="YSD", name_fa="یزد")
    assert not Province.objects.filter(code="YSD").exists()


def test_duplicate_province_code_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.province_create(actor=world.admin, code="krm", name_fa="کرمان ۲")
    assert "code" in exc.value.error_dict


def test_coordinator_creates_a_county_in_own_province(world):
    county = services.county_create(
        actor=world.coordinator, province=world.kerman, code="krm-c3", name_fa="بم"
    )
    assert county.province == world.kerman


def test_coordinator_cannot_create_a_county_in_another_province(world):
    with pytest.raises(PermissionDenied):
        services.county_create(actor=world.coordinator, province=world.fars, code="FRS-C2", name_fa="مرودشت")
    assert not County.objects.filter(code="FRS-C2").exists()


def test_coordinator_cannot_rename_another_provinces_county(world):
    with pytest.raises(PermissionDenied):
        services.county_update(actor=world.coordinator, county=world.county_f, name_fa="تغییر")
    world.county_f.refresh_from_db()
    assert world.county_f.name_fa == "شیراز"


@pytest.mark.parametrize("role", ["analyst", "manager_a", "facilitator_a", "pr_a", "partner_user"])
def test_roles_without_place_management_cannot_create_offices(world, role):
    with pytest.raises(PermissionDenied):
        services.office_create(actor=getattr(world, role), county=world.county_a, code="OX", name_fa="دفتر")
    assert not Office.objects.filter(code="OX").exists()


def test_office_create_links_neighbourhoods_of_its_county(world):
    hood = Neighbourhood.objects.create(county=world.county_a, code="NA3", name_fa="محله سوم")
    office = services.office_create(
        actor=world.coordinator,
        county=world.county_a,
        code="oa3",
        name_fa="دفتر سوم",
        opened_on=datetime.date(2023, 7, 25),
        neighbourhoods=[hood],
    )
    hood.refresh_from_db()
    assert hood.office == office


def test_office_cannot_serve_a_neighbourhood_of_another_county(world):
    with pytest.raises(ValidationError) as exc:
        services.office_create(
            actor=world.admin, county=world.county_a, code="OX", name_fa="دفتر", neighbourhoods=[world.hood_b]
        )
    assert "neighbourhoods" in exc.value.error_dict
    assert not Office.objects.filter(code="OX").exists()
    world.hood_b.refresh_from_db()
    assert world.hood_b.office == world.office_b


def test_office_update_with_stale_version_is_refused_and_keeps_the_other_change(world):
    opened = version_token(world.office_a)
    services.office_update(actor=world.coordinator, office=world.office_a, phone="03412345678")
    with pytest.raises(ValidationError) as exc:
        services.office_update(actor=world.admin, office=world.office_a, version=opened, address="خیابان")
    assert exc.value.code == "stale"
    world.office_a.refresh_from_db()
    assert (world.office_a.phone, world.office_a.address) == ("03412345678", "")


def test_office_update_with_current_version_saves(world):
    office = services.office_update(
        actor=world.admin, office=world.office_a, version=version_token(world.office_a), address=" خیابان "
    )
    assert office.address == "خیابان"
    assert version_token(office) != ""


def test_office_update_refuses_unknown_fields(world):
    with pytest.raises(TypeError):
        services.office_update(actor=world.admin, office=world.office_a, code="HACK")
    world.office_a.refresh_from_db()
    assert world.office_a.code == "OA"


def test_office_update_unlinks_neighbourhoods_left_out(world):
    services.office_update(actor=world.admin, office=world.office_a, neighbourhoods=[])
    world.hood_a.refresh_from_db()
    assert world.hood_a.office is None


def test_neighbourhood_create_normalises_the_boundary(world):
    clockwise = {"type": "Polygon", "coordinates": [list(reversed(square(57.2, 30.3)["coordinates"][0]))]}
    hood = services.neighbourhood_create(
        actor=world.admin, county=world.county_a, code="n9", name_fa="محله نه", boundary=clockwise
    )
    hood.refresh_from_db()
    ring = hood.boundary["coordinates"][0]
    twice_area = sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))
    assert twice_area > 0  # outer ring rewound counter-clockwise (RFC 7946)


def test_neighbourhood_create_refuses_a_bow_tie(world):
    with pytest.raises(ValidationError):
        services.neighbourhood_create(
            actor=world.admin, county=world.county_a, code="N9", name_fa="محله نه", boundary=BOW_TIE
        )
    assert not Neighbourhood.objects.filter(code="N9").exists()


def test_comparison_neighbourhood_cannot_have_an_office(world):
    with pytest.raises(ValidationError) as exc:
        services.neighbourhood_create(
            actor=world.admin,
            county=world.county_a,
            code="N9",
            name_fa="محله نه",
            kind=Neighbourhood.Kind.COMPARISON,
            office=world.office_a,
        )
    assert "office" in exc.value.error_dict


def test_neighbourhood_office_must_be_in_its_county(world):
    with pytest.raises(ValidationError) as exc:
        services.neighbourhood_create(
            actor=world.admin, county=world.county_a, code="N9", name_fa="محله نه", office=world.office_b
        )
    assert "office" in exc.value.error_dict
    assert not Neighbourhood.objects.filter(code="N9").exists()
    with pytest.raises(ValidationError) as exc:
        services.neighbourhood_update(actor=world.admin, neighbourhood=world.hood_a, office=world.office_b)
    assert "office" in exc.value.error_dict
    world.hood_a.refresh_from_db()
    assert world.hood_a.office == world.office_a


def test_neighbourhood_update_stale_version_refused(world):
    opened = version_token(world.hood_a)
    services.neighbourhood_update(actor=world.admin, neighbourhood=world.hood_a, est_population=13000)
    with pytest.raises(ValidationError):
        services.neighbourhood_update(
            actor=world.coordinator, neighbourhood=world.hood_a, version=opened, name_fa="x"
        )
    world.hood_a.refresh_from_db()
    assert (world.hood_a.name_fa, world.hood_a.est_population) == ("محله الف", 13000)


def test_coordinator_cannot_update_a_neighbourhood_of_another_province(world):
    with pytest.raises(PermissionDenied):
        services.neighbourhood_update(actor=world.coordinator_fars, neighbourhood=world.hood_a, name_fa="x")
    world.hood_a.refresh_from_db()
    assert world.hood_a.name_fa == "محله الف"


def test_a_failed_update_writes_nothing(world):
    with pytest.raises(ValidationError):
        services.neighbourhood_update(
            actor=world.admin, neighbourhood=world.hood_a, name_fa="نام تازه", boundary=BOW_TIE
        )
    world.hood_a.refresh_from_db()
    assert world.hood_a.name_fa == "محله الف"
