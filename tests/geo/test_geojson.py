"""Boundary validation: mahalleh.geo.geojson."""

import json
import math

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from mahalleh.geo.geojson import (
    MAX_POSITIONS,
    boundary_bbox,
    boundary_centroid,
    parse_boundary,
    polygons_overlap,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def square(lon=57.08, lat=30.28, size=0.01):
    """A closed counter-clockwise square ring with its south-west corner at (lon, lat)."""
    corners = [(lon, lat), (lon + size, lat), (lon + size, lat + size), (lon, lat + size), (lon, lat)]
    return [[round(x, 6), round(y, 6)] for x, y in corners]


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


def refused(value):
    with pytest.raises(ValidationError) as info:
        parse_boundary(value)
    error = info.value
    assert len(error.messages) == 1
    return error.code, error.messages[0]


# --- accepted ---------------------------------------------------------------------------------


def test_valid_polygon_from_json_text_is_normalised():
    ring = [[57.0800001234, 30.28], [57.09, 30.28], [57.09, 30.29], [57.08, 30.29], [57.08, 30.28]]
    result = parse_boundary(json.dumps(polygon(ring)))
    assert result == {
        "type": "Polygon",
        "coordinates": [[[57.08, 30.28], [57.09, 30.28], [57.09, 30.29], [57.08, 30.29], [57.08, 30.28]]],
    }


def test_bytes_and_dict_are_accepted():
    assert parse_boundary(json.dumps(polygon(square())).encode()) == parse_boundary(polygon(square()))


def test_python_tuples_are_accepted():
    ring = tuple(tuple(p) for p in square())
    assert parse_boundary({"type": "Polygon", "coordinates": (ring,)}) == polygon(square())


def test_clockwise_outer_ring_is_rewound_counter_clockwise():
    result = parse_boundary(polygon(square()[::-1]))
    assert result == polygon(square())


def test_altitude_and_repeated_positions_are_dropped():
    ring = [
        [57.08, 30.28, 1750],
        [57.09, 30.28, 1751],
        [57.09, 30.28],
        [57.09, 30.29],
        [57.08, 30.29],
        [57.08, 30.28],
    ]
    assert parse_boundary(polygon(ring)) == polygon(square())


def test_valid_feature():
    feature = {"type": "Feature", "properties": {"name": "سیدی"}, "geometry": polygon(square())}
    assert parse_boundary(feature) == polygon(square())


def test_feature_collection_with_one_feature():
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": polygon(square())}],
    }
    assert parse_boundary(json.dumps(collection)) == polygon(square())


def test_valid_multipolygon():
    multi = {"type": "MultiPolygon", "coordinates": [[square()], [square(57.2, 30.3)]]}
    result = parse_boundary(multi)
    assert result["type"] == "MultiPolygon"
    assert result["coordinates"] == [[square()], [square(57.2, 30.3)]]


def test_square_with_hole_accepted_and_hole_wound_clockwise():
    hole = [[57.083, 30.283], [57.086, 30.283], [57.086, 30.286], [57.083, 30.286], [57.083, 30.283]]
    result = parse_boundary(polygon(square(), hole))
    assert result["coordinates"][0] == square()
    assert result["coordinates"][1] == hole[::-1]


def test_two_separate_holes_accepted():
    hole1 = square(57.081, 30.281, 0.002)[::-1]
    hole2 = square(57.085, 30.285, 0.002)[::-1]
    assert parse_boundary(polygon(square(), hole1, hole2))["coordinates"][1:] == [hole1, hole2]


def test_concave_polygon_with_collinear_vertices_accepted():
    # An L shape with an extra vertex in the middle of a straight edge.
    ring = [
        [57.0, 30.0],
        [57.01, 30.0],
        [57.02, 30.0],
        [57.02, 30.01],
        [57.01, 30.01],
        [57.01, 30.02],
        [57.0, 30.02],
        [57.0, 30.0],
    ]
    assert parse_boundary(polygon(ring)) == polygon(ring)


# --- refused: not JSON, not GeoJSON, not a polygon ----------------------------------------------


def test_not_json():
    code, message = refused('{"type": "Polygon", "coordinates": [')
    assert code == "invalid_json"
    assert message.startswith("The boundary is not valid JSON (error at line 1, column")


def test_bytes_not_utf8():
    code, message = refused(b"\xff\xfe{")
    assert code == "invalid_json"
    assert "not UTF-8" in message


@pytest.mark.parametrize(
    "value",
    [
        "[57.08, 30.28]",
        '"Polygon"',
        "{}",
        '{"type": "polygon", "coordinates": []}',
        '{"type": "Feature", "properties": {}}',
        '{"type": "FeatureCollection"}',
        '{"type": "FeatureCollection", "features": [{"type": "Polygon", "coordinates": []}]}',
    ],
)
def test_json_but_not_geojson(value):
    code, message = refused(value)
    assert code == "not_geojson"
    assert message.startswith("The boundary is JSON but not GeoJSON")


def test_feature_collection_with_two_features():
    feature = {"type": "Feature", "geometry": polygon(square())}
    code, message = refused({"type": "FeatureCollection", "features": [feature, feature]})
    assert code == "too_many_features"
    assert message == "The feature collection has 2 features; it must contain exactly one, the boundary."


def test_empty_feature_collection():
    code, message = refused({"type": "FeatureCollection", "features": []})
    assert code == "empty_collection"
    assert "exactly one feature" in message


def test_feature_without_geometry():
    code, message = refused({"type": "Feature", "geometry": None, "properties": {}})
    assert (code, message) == ("no_geometry", "The feature has no geometry.")


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Point", "coordinates": [57.08, 30.28]},
        {"type": "LineString", "coordinates": [[57.08, 30.28], [57.09, 30.29]]},
        {"type": "MultiPoint", "coordinates": [[57.08, 30.28]]},
        {"type": "GeometryCollection", "geometries": []},
    ],
)
def test_not_a_polygon(geometry):
    code, message = refused(geometry)
    assert code == "not_polygon"
    assert message == f"The boundary must be a polygon (or multipolygon), not a {geometry['type']}."


def test_point_inside_feature_is_not_a_polygon():
    code, message = refused({"type": "Feature", "geometry": {"type": "Point", "coordinates": [57.08, 30.28]}})
    assert code == "not_polygon"
    assert "must be a polygon" in message


@pytest.mark.parametrize(
    "coordinates",
    [None, "57.08,30.28", [square()[0]], [[square()], 5]],
)
def test_badly_nested_coordinates(coordinates):
    code, message = refused({"type": "Polygon", "coordinates": coordinates})
    assert code == "bad_coordinates"
    assert "not nested lists" in message


@pytest.mark.parametrize("geometry", [polygon(), {"type": "MultiPolygon", "coordinates": []}])
def test_no_coordinates(geometry):
    assert refused(geometry) == ("empty", "The boundary has no coordinates.")


def test_too_many_positions():
    n = MAX_POSITIONS + 1
    ring = [
        [57.08 + 0.01 * math.cos(2 * math.pi * k / n), 30.28 + 0.01 * math.sin(2 * math.pi * k / n)]
        for k in range(n - 1)
    ]
    ring.append(ring[0])
    code, message = refused(polygon(ring))
    assert code == "too_many_positions"
    assert message == f"The boundary has {n} positions; at most {MAX_POSITIONS} are allowed."


# --- refused: rings and positions ------------------------------------------------------------------


def test_ring_with_fewer_than_four_positions():
    code, message = refused(polygon([[57.08, 30.28], [57.09, 30.28], [57.08, 30.28]]))
    assert code == "ring_too_short"
    assert message == "Ring 1 has 3 positions; a ring needs at least 4, the last one repeating the first."


def test_ring_that_is_not_closed():
    code, message = refused(polygon(square()[:-1]))
    assert code == "ring_not_closed"
    assert message == "Ring 1 is not closed: its last position must repeat the first."


def test_ring_with_only_two_distinct_corners():
    ring = [[57.08, 30.28], [57.09, 30.28], [57.09, 30.28], [57.08, 30.28]]
    assert refused(polygon(ring)) == ("ring_degenerate", "Ring 1 has fewer than 3 distinct corners.")


@pytest.mark.parametrize(
    "position", [["57.09", 30.28], [57.09], [57.09, None], [True, 30.28], [57.09, float("nan")], 57.09]
)
def test_non_numeric_coordinates(position):
    ring = square()
    ring[2] = position
    code, message = refused(polygon(ring))
    assert code == "not_numeric"
    assert message.startswith("Ring 1, position 3: ")
    assert message.endswith(" is not a pair of numbers [longitude, latitude].")


def test_non_numeric_in_hole_of_second_polygon_names_both():
    hole = square(57.203, 30.303, 0.002)
    hole[1] = [57.205, "x"]
    multi = {"type": "MultiPolygon", "coordinates": [[square()], [square(57.2, 30.3), hole]]}
    code, message = refused(multi)
    assert code == "not_numeric"
    assert (
        message
        == 'Ring 2 of polygon 2, position 2: [57.205, "x"] is not a pair of numbers [longitude, latitude].'
    )


@pytest.mark.parametrize("position", [[181, 30.28], [57.08, -91], [-180.5, 0]])
def test_coordinates_out_of_range(position):
    ring = square()
    ring[1] = position
    code, message = refused(polygon(ring))
    assert code == "out_of_range"
    assert message.startswith("Ring 1, position 2: ")
    assert "longitude must be between -180 and 180 and latitude between -90 and 90" in message


def test_lat_lon_swapped_polygon_around_kerman():
    # Kerman is at lon 57.08, lat 30.28; here every position is written [lat, lon].
    ring = [[30.28, 57.08], [30.28, 57.09], [30.29, 57.09], [30.29, 57.08], [30.28, 57.08]]
    code, message = refused(polygon(ring))
    assert code == "swapped"
    assert message == (
        "The coordinates seem to be in [latitude, longitude] order; GeoJSON needs [longitude, latitude]."
    )


def test_boundary_outside_iran():
    # Around Paris.
    code, message = refused(polygon(square(2.35, 48.85)))
    assert code == "outside_iran"
    assert message == "The boundary lies outside Iran (longitude 44 to 64, latitude 24 to 40)."


def test_boundary_partly_outside_iran():
    ring = [[63.5, 30.0], [64.5, 30.0], [64.5, 30.5], [63.5, 30.5], [63.5, 30.0]]
    code, message = refused(polygon(ring))
    assert code == "partly_outside_iran"
    assert message.startswith("Ring 1, position 2: [64.5, 30.0] lies outside Iran")


# --- refused: topology ------------------------------------------------------------------------------


def test_bow_tie_is_self_intersecting():
    ring = [[57.08, 30.28], [57.09, 30.29], [57.09, 30.28], [57.08, 30.29], [57.08, 30.28]]
    code, message = refused(polygon(ring))
    assert code == "self_intersection"
    assert message == "Ring 1 crosses itself near position 3."


def test_ring_touching_itself_at_a_vertex():
    # Two squares meeting at the single corner (57.09, 30.29): the ring pinches there.
    ring = [
        [57.08, 30.28], [57.09, 30.28], [57.09, 30.29], [57.10, 30.29], [57.10, 30.30],
        [57.09, 30.30], [57.09, 30.29], [57.08, 30.29], [57.08, 30.28],
    ]  # fmt: skip
    code, message = refused(polygon(ring))
    assert code == "self_intersection"
    assert message.startswith("Ring 1 crosses itself near position ")


def test_collinear_overlap_of_non_adjacent_edges():
    # The edge from position 4 runs back along the first edge.
    ring = [
        [57.08, 30.28],
        [57.10, 30.28],
        [57.10, 30.29],
        [57.09, 30.28],
        [57.085, 30.28],
        [57.085, 30.27],
        [57.08, 30.28],
    ]
    code, _ = refused(polygon(ring))
    assert code == "self_intersection"


def test_spike_doubling_back_on_the_previous_edge():
    ring = [[57.08, 30.28], [57.10, 30.28], [57.09, 30.28], [57.09, 30.29], [57.08, 30.28]]
    assert refused(polygon(ring)) == ("self_intersection", "Ring 1 crosses itself near position 2.")


def test_flat_triangle_refused():
    ring = [[57.08, 30.28], [57.09, 30.28], [57.10, 30.28], [57.08, 30.28]]
    code, _ = refused(polygon(ring))
    assert code == "self_intersection"


def test_self_intersection_position_counts_repeated_positions_of_the_input():
    ring = [[57.08, 30.28], [57.08, 30.28], [57.09, 30.29], [57.09, 30.28], [57.08, 30.29], [57.08, 30.28]]
    assert refused(polygon(ring))[1] == "Ring 1 crosses itself near position 4."


def test_self_intersecting_hole():
    bow_tie = [[57.082, 30.282], [57.086, 30.286], [57.086, 30.282], [57.082, 30.286], [57.082, 30.282]]
    assert refused(polygon(square(), bow_tie)) == (
        "self_intersection",
        "Ring 2 crosses itself near position 3.",
    )


def test_hole_too_short_and_hole_not_closed():
    assert (
        refused(polygon(square(), [[57.082, 30.282], [57.083, 30.283], [57.082, 30.282]]))[0]
        == "ring_too_short"
    )
    code, message = refused(polygon(square(), square(57.082, 30.282, 0.002)[:-1]))
    assert (code, message) == (
        "ring_not_closed",
        "Ring 2 is not closed: its last position must repeat the first.",
    )


def test_hole_crossing_the_outer_ring():
    hole = square(57.085, 30.285, 0.01)
    code, message = refused(polygon(square(), hole))
    assert code == "rings_cross"
    assert message.startswith("Ring 2 crosses or touches ring 1 near position ")


def test_hole_outside_the_outer_ring():
    code, message = refused(polygon(square(), square(57.2, 30.3, 0.002)))
    assert (code, message) == ("hole_outside", "Ring 2 is a hole but lies outside the outer ring.")


def test_hole_inside_another_hole():
    code, message = refused(polygon(square(), square(57.081, 30.281, 0.008), square(57.083, 30.283, 0.002)))
    assert (code, message) == ("hole_in_hole", "Ring 3 lies inside another hole (ring 2).")


def test_multipolygon_with_overlapping_parts():
    multi = {"type": "MultiPolygon", "coordinates": [[square()], [square(57.085, 30.285)]]}
    assert refused(multi) == ("polygons_overlap", "Polygons 1 and 2 of the multipolygon overlap or touch.")


def test_multipolygon_part_self_intersecting_names_the_polygon():
    bow_tie = [[57.2, 30.3], [57.21, 30.31], [57.21, 30.3], [57.2, 30.31], [57.2, 30.3]]
    multi = {"type": "MultiPolygon", "coordinates": [[square()], [bow_tie]]}
    assert refused(multi)[1] == "Ring 1 of polygon 2 crosses itself near position 3."


def test_messages_are_translatable_and_rendered_lazily():
    with pytest.raises(ValidationError) as info:
        parse_boundary(polygon(square()[:-1]))
    assert info.value.params["ring"] is not None
    assert "%(ring)s" in str(info.value.message)


# --- helpers -------------------------------------------------------------------------------------


def test_bbox_and_centroid():
    geom = parse_boundary(polygon(square(57.08, 30.28, 0.02)))
    assert boundary_bbox(geom) == pytest.approx((57.08, 30.28, 57.10, 30.30))
    assert boundary_centroid(geom) == pytest.approx((57.09, 30.29))


def test_centroid_is_area_weighted_over_outer_rings():
    multi = {"type": "MultiPolygon", "coordinates": [[square(57.0, 30.0, 0.03)], [square(57.1, 30.0, 0.01)]]}
    lon, lat = boundary_centroid(parse_boundary(multi))
    # Areas 9 : 1, centres at 57.015 and 57.105.
    assert lon == pytest.approx((9 * 57.015 + 57.105) / 10)
    assert lat == pytest.approx((9 * 30.015 + 30.005) / 10)


def test_centroid_of_concave_polygon():
    ring = [
        [57.0, 30.0],
        [57.02, 30.0],
        [57.02, 30.01],
        [57.01, 30.01],
        [57.01, 30.02],
        [57.0, 30.02],
        [57.0, 30.0],
    ]
    # An L of three unit cells (0.01°): centres (57.005, 30.005), (57.015, 30.005), (57.005, 30.015).
    assert boundary_centroid(polygon(ring)) == pytest.approx((57.0 + 0.025 / 3, 30.0 + 0.025 / 3))


def test_polygons_overlap():
    a = polygon(square(57.08, 30.28, 0.01))
    assert polygons_overlap(a, polygon(square(57.085, 30.285, 0.01)))  # edges cross
    assert polygons_overlap(a, polygon(square(57.082, 30.282, 0.002)))  # b inside a
    assert polygons_overlap(polygon(square(57.082, 30.282, 0.002)), a)  # a inside b
    assert polygons_overlap(a, polygon(square(57.09, 30.28, 0.01)))  # shared edge
    assert polygons_overlap(a, a)
    assert not polygons_overlap(a, polygon(square(57.0901, 30.28, 0.01)))  # a 10 m gap
    assert not polygons_overlap(a, polygon(square(57.2, 30.3, 0.01)))


def test_polygon_inside_a_hole_does_not_overlap():
    donut = polygon(square(57.08, 30.28, 0.01), square(57.082, 30.282, 0.006)[::-1])
    assert not polygons_overlap(donut, polygon(square(57.084, 30.284, 0.002)))
    assert polygons_overlap(donut, polygon(square(57.081, 30.281, 0.008)))


# --- properties ------------------------------------------------------------------------------------

centres = st.tuples(st.floats(45.0, 63.0), st.floats(25.0, 39.0))
radii = st.floats(0.005, 0.5)
# Angles in half-degree steps: distinct vertices stay far apart after rounding to 6 decimals.
angle_sets = st.lists(st.integers(0, 719), min_size=3, max_size=40, unique=True).map(sorted)


def circle_ring(centre, radius, angles):
    lon, lat = centre
    ring = [
        [lon + radius * math.cos(math.radians(a / 2)), lat + radius * math.sin(math.radians(a / 2))]
        for a in angles
    ]
    return ring + [ring[0]]


@settings(deadline=None)
@given(centre=centres, radius=radii, angles=angle_sets, clockwise=st.booleans())
def test_convex_polygons_are_accepted(centre, radius, angles, clockwise):
    ring = circle_ring(centre, radius, angles)
    if clockwise:
        ring = ring[::-1]
    result = parse_boundary(polygon(ring))
    out = result["coordinates"][0]
    assert len(out) == len(ring)
    assert {tuple(p) for p in out} == {(round(x, 6), round(y, 6)) for x, y in ring}
    lon, lat = boundary_centroid(result)
    min_lon, min_lat, max_lon, max_lat = boundary_bbox(result)
    assert min_lon <= lon <= max_lon and min_lat <= lat <= max_lat


@settings(deadline=None)
@given(
    centre=centres,
    radius=radii,
    angles=st.lists(st.integers(0, 719), min_size=5, max_size=40, unique=True).map(sorted),
    data=st.data(),
)
def test_swapping_two_non_adjacent_vertices_is_refused(centre, radius, angles, data):
    vertices = circle_ring(centre, radius, angles)[:-1]
    n = len(vertices)
    i = data.draw(st.integers(0, n - 1), label="i")
    # Non-adjacent on the ring: neither the same nor next to each other (cyclically).
    j = data.draw(st.integers(0, n - 1).filter(lambda j: (j - i) % n not in (0, 1, n - 1)), label="j")
    vertices[i], vertices[j] = vertices[j], vertices[i]
    with pytest.raises(ValidationError) as info:
        parse_boundary(polygon(vertices + [vertices[0]]))
    assert info.value.code == "self_intersection"
    assert info.value.messages[0].startswith("Ring 1 crosses itself near position ")
