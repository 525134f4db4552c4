"""Places selectors: every read is scoped by the user who asks."""

import pytest
from django.http import Http404

from mahalleh.geo import selectors


def _codes(qs):
    return {obj.code for obj in qs}


def test_admin_and_analyst_see_every_place(world):
    for user in (world.admin, world.analyst):
        assert _codes(selectors.province_list(user=user)) == {"KRM", "FRS"}
        assert _codes(selectors.county_list(user=user)) == {"KRM-C1", "KRM-C2", "FRS-C1"}
        assert _codes(selectors.office_list(user=user)) == {"OA", "OB", "OF"}
        assert _codes(selectors.neighbourhood_list(user=user)) == {"NA", "NAC", "NB", "NF"}


def test_coordinator_sees_own_province_only(world):
    user = world.coordinator
    assert _codes(selectors.province_list(user=user)) == {"KRM"}
    assert _codes(selectors.county_list(user=user)) == {"KRM-C1", "KRM-C2"}
    assert _codes(selectors.office_list(user=user)) == {"OA", "OB"}
    assert _codes(selectors.neighbourhood_list(user=user)) == {"NA", "NAC", "NB"}


def test_office_staff_see_their_office_its_county_and_province(world):
    for user in (world.manager_a, world.facilitator_a, world.pr_a):
        assert _codes(selectors.province_list(user=user)) == {"KRM"}
        assert _codes(selectors.county_list(user=user)) == {"KRM-C1"}
        assert _codes(selectors.office_list(user=user)) == {"OA"}
        assert _codes(selectors.neighbourhood_list(user=user)) == {"NA"}


def test_province_list_has_no_duplicates_for_office_staff_of_a_county_with_two_offices(world):
    from mahalleh.geo.models import Office

    Office.objects.create(county=world.county_a, code="OA2", name_fa="دفتر الف ۲")
    assert selectors.province_list(user=world.facilitator_a).count() == 1
    assert selectors.province_list(user=world.coordinator).count() == 1


def test_partner_user_sees_no_place(world):
    user = world.partner_user
    assert not selectors.province_list(user=user).exists()
    assert not selectors.county_list(user=user).exists()
    assert not selectors.office_list(user=user).exists()
    assert not selectors.neighbourhood_list(user=user).exists()


def test_inactive_user_sees_nothing(world):
    world.admin.is_active = False
    assert not selectors.neighbourhood_list(user=world.admin).exists()
    assert not selectors.province_list(user=world.admin).exists()


def test_signed_out_user_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.neighbourhood_list(user=AnonymousUser()).exists()


def test_get_outside_the_scope_is_404(world):
    with pytest.raises(Http404):
        selectors.neighbourhood_get(user=world.facilitator_a, pk=world.hood_b.pk)
    with pytest.raises(Http404):
        selectors.office_get(user=world.coordinator, pk=world.office_f.pk)
    with pytest.raises(Http404):
        selectors.county_get(user=world.manager_b, pk=world.county_a.pk)
    with pytest.raises(Http404):
        selectors.province_get(user=world.coordinator_fars, pk=world.kerman.pk)
    assert selectors.neighbourhood_get(user=world.facilitator_a, pk=world.hood_a.pk) == world.hood_a


def test_filters_narrow_within_the_scope(world):
    assert _codes(selectors.neighbourhood_list(user=world.admin, kind="comparison")) == {"NAC"}
    assert _codes(selectors.neighbourhood_list(user=world.admin, county=world.county_a)) == {"NA", "NAC"}
    assert _codes(selectors.neighbourhood_list(user=world.admin, province=world.fars)) == {"NF"}
    assert _codes(selectors.neighbourhood_list(user=world.coordinator, province=world.fars)) == set()
    assert _codes(selectors.office_list(user=world.coordinator, county=world.county_b)) == {"OB"}


def test_office_list_counts_served_neighbourhoods(world):
    counts = {o.code: o.neighbourhood_count for o in selectors.office_list(user=world.admin)}
    assert counts == {"OA": 1, "OB": 1, "OF": 1}


def test_feature_collection_skips_neighbourhoods_without_boundary(world):
    world.hood_b.boundary = None
    world.hood_b.save()
    hoods = selectors.neighbourhood_list(user=world.coordinator)
    collection = selectors.neighbourhood_feature_collection(hoods, url_for=lambda n: f"/n/{n.pk}/")
    assert collection["type"] == "FeatureCollection"
    codes = {f["properties"]["code"] for f in collection["features"]}
    assert codes == {"NA", "NAC"}
    feature = next(f for f in collection["features"] if f["properties"]["code"] == "NA")
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["url"] == f"/n/{world.hood_a.pk}/"
    assert feature["properties"]["kind"] == "target"
