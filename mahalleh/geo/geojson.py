"""Validation of neighbourhood boundaries given as GeoJSON (RFC 7946), in pure Python.

``parse_boundary`` accepts a Polygon or MultiPolygon, either bare, inside a Feature, or inside a
FeatureCollection that has exactly one feature, and returns a normalised geometry dict:

* coordinates rounded to 6 decimals (about 0.1 m), altitudes dropped;
* consecutive repeated positions removed;
* outer rings counter-clockwise and holes clockwise (the right-hand rule of RFC 7946).

Everything is checked on the rounded coordinates, so what is returned is exactly what was
validated. The topology tests (segment intersection, point in polygon) run on integer
micro-degrees, so they are exact: no floating-point tolerance is involved.

Ring and position numbers in messages count from 1, in the order the user wrote them; ring 1
is the outer ring of a polygon, rings 2, 3 … are its holes.
"""

from __future__ import annotations

import json
import math
import numbers
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

__all__ = [
    "IRAN_BBOX",
    "MAX_POSITIONS",
    "boundary_bbox",
    "boundary_centroid",
    "parse_boundary",
    "polygons_overlap",
]

# (min_lon, min_lat, max_lon, max_lat): generous box around Iran (lon 44.0–63.3, lat 25.1–39.8).
IRAN_BBOX = (44.0, 24.0, 64.0, 40.0)
PRECISION = 6
_SCALE = 10**PRECISION
# The self-intersection test is quadratic in the worst case; refuse absurdly detailed input.
MAX_POSITIONS = 5000

_GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}

MESSAGES = {
    "invalid_json": _("The boundary is not valid JSON (error at line %(line)s, column %(column)s)."),
    "not_text": _("The boundary is not valid JSON: it is not UTF-8 text."),
    "not_geojson": _(
        'The boundary is JSON but not GeoJSON: expected an object whose "type" is '
        '"Polygon", "MultiPolygon", "Feature" or "FeatureCollection".'
    ),
    "empty_collection": _("The feature collection is empty; it must contain exactly one feature."),
    "too_many_features": _(
        "The feature collection has %(count)s features; it must contain exactly one, the boundary."
    ),
    "no_geometry": _("The feature has no geometry."),
    "not_polygon": _("The boundary must be a polygon (or multipolygon), not a %(type)s."),
    "bad_coordinates": _('The "coordinates" of the %(type)s are not nested lists as GeoJSON requires.'),
    "empty": _("The boundary has no coordinates."),
    "too_many_positions": _("The boundary has %(count)s positions; at most %(max)s are allowed."),
    "ring_too_short": _(
        "%(ring)s has %(count)s positions; a ring needs at least 4, the last one repeating the first."
    ),
    "ring_degenerate": _("%(ring)s has fewer than 3 distinct corners."),
    "ring_not_closed": _("%(ring)s is not closed: its last position must repeat the first."),
    "not_numeric": _(
        "%(ring)s, position %(position)s: %(value)s is not a pair of numbers [longitude, latitude]."
    ),
    "out_of_range": _(
        "%(ring)s, position %(position)s: %(value)s is out of range; longitude must be between -180 and 180 "
        "and latitude between -90 and 90."
    ),
    "swapped": _(
        "The coordinates seem to be in [latitude, longitude] order; GeoJSON needs [longitude, latitude]."
    ),
    "outside_iran": _(
        "The boundary lies outside Iran (longitude %(min_lon)s to %(max_lon)s, latitude %(min_lat)s to "
        "%(max_lat)s)."
    ),
    "partly_outside_iran": _(
        "%(ring)s, position %(position)s: %(value)s lies outside Iran (longitude %(min_lon)s to %(max_lon)s, "
        "latitude %(min_lat)s to %(max_lat)s)."
    ),
    "self_intersection": _("%(ring)s crosses itself near position %(position)s."),
    "rings_cross": _("%(ring)s crosses or touches ring %(other)s near position %(position)s."),
    "hole_outside": _("%(ring)s is a hole but lies outside the outer ring."),
    "hole_in_hole": _("%(ring)s lies inside another hole (ring %(other)s)."),
    "polygons_overlap": _("Polygons %(polygon)s and %(other)s of the multipolygon overlap or touch."),
}

# Codes that differ from the message key.
_CODES = {"not_text": "invalid_json"}

_RING_LABEL = _("Ring %(ring)s")
_RING_OF_POLYGON_LABEL = _("Ring %(ring)s of polygon %(polygon)s")


def _label_text(multi: bool, polygon: int, ring: int) -> str:
    if multi:
        return str(_RING_OF_POLYGON_LABEL) % {"ring": ring + 1, "polygon": polygon + 1}
    return str(_RING_LABEL) % {"ring": ring + 1}


# Translated when the error message is rendered, in the language active then.
_label = lazy(_label_text, str)


def _error(key: str, **params: Any) -> ValidationError:
    return ValidationError(MESSAGES[key], code=_CODES.get(key, key), params=params or None)


def _iran_params() -> dict[str, str]:
    min_lon, min_lat, max_lon, max_lat = IRAN_BBOX
    return {
        "min_lon": f"{min_lon:g}",
        "min_lat": f"{min_lat:g}",
        "max_lon": f"{max_lon:g}",
        "max_lat": f"{max_lat:g}",
    }


def _show(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


# ---------------------------------------------------------------------------------------------
# Loading and unwrapping


def _load(value: str | bytes | dict) -> Any:
    if isinstance(value, dict):
        return value
    if isinstance(value, bytes | bytearray):
        try:
            value = bytes(value).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _error("not_text") from None
    if not isinstance(value, str):
        raise _error("not_geojson")
    value = value.lstrip("\ufeff")
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise _error("invalid_json", line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise _error("invalid_json", line=1, column=1) from None


def _unwrap(data: Any) -> dict:
    """The single geometry inside ``data``."""
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise _error("not_geojson")
    kind = data["type"]
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise _error("not_geojson")
        if not features:
            raise _error("empty_collection")
        if len(features) > 1:
            raise _error("too_many_features", count=len(features))
        data = features[0]
        if not isinstance(data, dict) or data.get("type") != "Feature":
            raise _error("not_geojson")
        kind = "Feature"
    if kind == "Feature":
        if "geometry" not in data:
            raise _error("not_geojson")
        data = data["geometry"]
        if data is None:
            raise _error("no_geometry")
        if not isinstance(data, dict) or data.get("type") not in _GEOMETRY_TYPES:
            raise _error("not_geojson")
        kind = data["type"]
    if kind not in _GEOMETRY_TYPES:
        raise _error("not_geojson")
    if kind not in ("Polygon", "MultiPolygon"):
        raise _error("not_polygon", type=kind)
    return data


# ---------------------------------------------------------------------------------------------
# Exact geometry on integer micro-degrees

Point = tuple[int, int]
Ring = list[Point]  # closed: ring[0] == ring[-1]


def _orient(a: Point, b: Point, c: Point) -> int:
    """+1 if a→b→c turns left (counter-clockwise), -1 if right, 0 if collinear."""
    v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    return (v > 0) - (v < 0)


def _within_box(a: Point, b: Point, p: Point) -> bool:
    """For p collinear with a–b: does p lie on the closed segment a–b?"""
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def _segments_intersect(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Do the closed segments a–b and c–d share at least one point (crossing, touching or overlapping)?"""
    o1, o2 = _orient(a, b, c), _orient(a, b, d)
    o3, o4 = _orient(c, d, a), _orient(c, d, b)
    if o1 != o2 and o3 != o4:
        return True
    return (
        (o1 == 0 and _within_box(a, b, c))
        or (o2 == 0 and _within_box(a, b, d))
        or (o3 == 0 and _within_box(c, d, a))
        or (o4 == 0 and _within_box(c, d, b))
    )


def _adjacent_overlap(a: Point, p: Point, b: Point) -> bool:
    """Segments a–p and p–b meet at p; do they overlap beyond p (the ring doubles back on itself)?"""
    if _orient(a, p, b) != 0:
        return False
    return (a[0] - p[0]) * (b[0] - p[0]) + (a[1] - p[1]) * (b[1] - p[1]) > 0


def _twice_area(ring: Ring) -> int:
    """Twice the signed area (positive when counter-clockwise) of a closed ring."""
    return sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))


def _inside_rings(p: Point, rings: list[Ring]) -> bool:
    """Even-odd ray casting over all ``rings`` (a polygon with its holes). Exact; a point exactly on
    an edge may go either way, callers rule that case out with an edge-intersection test first."""
    x, y = p
    inside = False
    for ring in rings:
        for i in range(len(ring) - 1):
            (xi, yi), (xj, yj) = ring[i], ring[i + 1]
            if (yi > y) != (yj > y):
                # Is x left of the edge's crossing with the horizontal line through p?
                side = (xi - x) * (yj - yi) + (y - yi) * (xj - xi)
                if (side > 0) == (yj > yi):
                    inside = not inside
    return inside


def _ring_bbox(ring: Ring) -> tuple[int, int, int, int]:
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def _boxes_meet(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _segments(rings: list[Ring], tag: int = 0) -> list[tuple]:
    """Segments sorted by min x: (min_x, max_x, min_y, max_y, tag, ring index, segment index, a, b)."""
    out = []
    for r, ring in enumerate(rings):
        for i in range(len(ring) - 1):
            a, b = ring[i], ring[i + 1]
            out.append((min(a[0], b[0]), max(a[0], b[0]), min(a[1], b[1]), max(a[1], b[1]), tag, r, i, a, b))
    return out


def _candidate_pairs(segments: list[tuple]):
    """Pairs of segments whose bounding boxes meet (sort and sweep on x)."""
    segments.sort(key=lambda s: s[0])
    n = len(segments)
    for k in range(n):
        s = segments[k]
        max_x, min_y, max_y = s[1], s[2], s[3]
        for m in range(k + 1, n):
            t = segments[m]
            if t[0] > max_x:
                break
            if t[2] <= max_y and min_y <= t[3]:
                yield s, t


def _first_crossing(rings: list[Ring]) -> tuple[str, int, int, int] | None:
    """The first defect among the rings of one polygon: ("self", ring, vertex, 0) when a ring crosses,
    touches or doubles back on itself, ("rings", ring, vertex, other ring) when two rings meet.
    ``vertex`` is an index into that (closed, de-duplicated) ring."""
    counts = [len(ring) - 1 for ring in rings]
    for s, t in _candidate_pairs(_segments(rings)):
        rs, rt = s[5], t[5]
        if rs == rt:
            seg = {s[6]: (s[7], s[8]), t[6]: (t[7], t[8])}
            lo, hi = min(s[6], t[6]), max(s[6], t[6])
            if hi - lo == 1:  # consecutive: they share vertex hi
                if _adjacent_overlap(seg[lo][0], seg[lo][1], seg[hi][1]):
                    return "self", rs, hi, 0
            elif lo == 0 and hi == counts[rs] - 1:  # last and first: they share vertex 0
                if _adjacent_overlap(seg[hi][0], seg[lo][0], seg[lo][1]):
                    return "self", rs, 0, 0
            elif _segments_intersect(seg[lo][0], seg[lo][1], seg[hi][0], seg[hi][1]):
                return "self", rs, hi, 0
        elif _segments_intersect(s[7], s[8], t[7], t[8]):
            if rs < rt:
                return "rings", rt, t[6], rs
            return "rings", rs, s[6], rt
    return None


def _rings_meet(a: list[list[Ring]], b: list[list[Ring]]) -> bool:
    segments = _segments([r for poly in a for r in poly], 0) + _segments([r for poly in b for r in poly], 1)
    return any(
        s[4] != t[4] and _segments_intersect(s[7], s[8], t[7], t[8]) for s, t in _candidate_pairs(segments)
    )


def _overlap(a: list[list[Ring]], b: list[list[Ring]]) -> bool:
    boxes_a = [_ring_bbox(poly[0]) for poly in a]
    boxes_b = [_ring_bbox(poly[0]) for poly in b]
    if not any(_boxes_meet(x, y) for x in boxes_a for y in boxes_b):
        return False
    if _rings_meet(a, b):
        return True
    # No boundaries meet, so each ring lies wholly inside or wholly outside the other polygon: its
    # first vertex tells which.
    for polys, others, other_boxes in ((a, b, boxes_b), (b, a, boxes_a)):
        for poly in polys:
            for ring in poly:
                p = ring[0]
                for other, box in zip(others, other_boxes, strict=True):
                    if box[0] <= p[0] <= box[2] and box[1] <= p[1] <= box[3] and _inside_rings(p, other):
                        return True
    return False


# ---------------------------------------------------------------------------------------------
# parse_boundary


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _position(raw: Any, label, index: int) -> Point:
    if not isinstance(raw, list | tuple) or len(raw) not in (2, 3) or not all(_is_number(v) for v in raw):
        raise _error("not_numeric", ring=label, position=index + 1, value=_show(raw))
    try:
        lon, lat = float(raw[0]), float(raw[1])
    except (OverflowError, ValueError):
        raise _error("not_numeric", ring=label, position=index + 1, value=_show(raw)) from None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise _error("not_numeric", ring=label, position=index + 1, value=_show(raw))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _error("out_of_range", ring=label, position=index + 1, value=_show(raw))
    return round(lon * _SCALE), round(lat * _SCALE)


def _in_box(p: Point, box: tuple[float, float, float, float]) -> bool:
    return box[0] * _SCALE <= p[0] <= box[2] * _SCALE and box[1] * _SCALE <= p[1] <= box[3] * _SCALE


def _check_iran(polygons: list[list[Ring]], labels: list[list[Any]], raw: list[list[list]]) -> None:
    inside_any = False
    swapped_all = True
    first_outside = None
    for p, poly in enumerate(polygons):
        for r, ring in enumerate(poly):
            for i, pt in enumerate(ring):
                if _in_box(pt, IRAN_BBOX):
                    inside_any = True
                else:
                    if first_outside is None:
                        first_outside = (p, r, i)
                    if not _in_box((pt[1], pt[0]), IRAN_BBOX):
                        swapped_all = False
    if first_outside is None:
        return
    if not inside_any:
        if swapped_all:
            raise _error("swapped")
        raise _error("outside_iran", **_iran_params())
    p, r, i = first_outside
    raise _error(
        "partly_outside_iran", ring=labels[p][r], position=i + 1, value=_show(raw[p][r][i]), **_iran_params()
    )


def _dedupe(ring: Ring) -> tuple[Ring, list[int]]:
    """Drop consecutive repeated positions; also return each kept position's original index."""
    kept, where = [ring[0]], [0]
    for i in range(1, len(ring)):
        if ring[i] != kept[-1]:
            kept.append(ring[i])
            where.append(i)
    return kept, where


def parse_boundary(value: str | bytes | dict) -> dict:
    """Validate a neighbourhood boundary and return it as a normalised GeoJSON Polygon or MultiPolygon.

    Raises ``ValidationError`` with a specific message and code (see ``MESSAGES``) when it is not valid.
    """
    geometry = _unwrap(_load(value))
    kind = geometry["type"]
    multi = kind == "MultiPolygon"
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list | tuple):
        raise _error("bad_coordinates", type=kind)
    raw_polygons = coordinates if multi else [coordinates]
    if not raw_polygons:
        raise _error("empty")
    total = 0
    for poly in raw_polygons:
        if not isinstance(poly, list | tuple) or not all(isinstance(ring, list | tuple) for ring in poly):
            raise _error("bad_coordinates", type=kind)
        if any(ring and all(_is_number(v) for v in ring) for ring in poly):  # a position one level too high
            raise _error("bad_coordinates", type=kind)
        if not poly:
            raise _error("empty")
        total += sum(len(ring) for ring in poly)
    if total > MAX_POSITIONS:
        raise _error("too_many_positions", count=total, max=MAX_POSITIONS)

    labels = [[_label(multi, p, r) for r in range(len(poly))] for p, poly in enumerate(raw_polygons)]
    polygons: list[list[Ring]] = []
    for p, poly in enumerate(raw_polygons):
        rings = []
        for r, raw_ring in enumerate(poly):
            label = labels[p][r]
            if len(raw_ring) < 4:
                raise _error("ring_too_short", ring=label, count=len(raw_ring))
            ring = [_position(pos, label, i) for i, pos in enumerate(raw_ring)]
            if ring[0] != ring[-1]:
                raise _error("ring_not_closed", ring=label)
            rings.append(ring)
        polygons.append(rings)

    _check_iran(polygons, labels, raw_polygons)

    clean: list[list[Ring]] = []
    for p, rings in enumerate(polygons):
        deduped, where = [], []
        for r, ring in enumerate(rings):
            kept, index = _dedupe(ring)
            if len(kept) < 4:
                raise _error("ring_degenerate", ring=labels[p][r])
            deduped.append(kept)
            where.append(index)
        crossing = _first_crossing(deduped)
        if crossing:
            what, r, vertex, other = crossing
            position = where[r][vertex] + 1
            if what == "self":
                raise _error("self_intersection", ring=labels[p][r], position=position)
            raise _error("rings_cross", ring=labels[p][r], other=other + 1, position=position)
        outer, holes = deduped[0], deduped[1:]
        for h, hole in enumerate(holes, start=1):
            if not _inside_rings(hole[0], [outer]):
                raise _error("hole_outside", ring=labels[p][h])
            for g, other in enumerate(holes, start=1):
                if g != h and _inside_rings(hole[0], [other]):
                    raise _error("hole_in_hole", ring=labels[p][h], other=g + 1)
        # Right-hand rule: outer ring counter-clockwise, holes clockwise.
        oriented = []
        for r, ring in enumerate(deduped):
            ccw = _twice_area(ring) > 0
            oriented.append(ring[::-1] if ccw == (r > 0) else ring)
        clean.append(oriented)

    if multi:
        for p in range(len(clean)):
            for q in range(p + 1, len(clean)):
                if _overlap([clean[p]], [clean[q]]):
                    raise _error("polygons_overlap", polygon=p + 1, other=q + 1)

    out = [[[[x / _SCALE, y / _SCALE] for x, y in ring] for ring in poly] for poly in clean]
    return (
        {"type": "MultiPolygon", "coordinates": out} if multi else {"type": "Polygon", "coordinates": out[0]}
    )


# ---------------------------------------------------------------------------------------------
# Helpers on already valid geometries


def _float_polygons(geom: dict) -> list[list[list[tuple[float, float]]]]:
    if not isinstance(geom, dict):
        raise TypeError("expected a GeoJSON geometry dict")
    if geom.get("type") == "Feature":
        geom = geom.get("geometry") or {}
    kind = geom.get("type")
    if kind == "Polygon":
        polys = [geom["coordinates"]]
    elif kind == "MultiPolygon":
        polys = geom["coordinates"]
    else:
        raise ValueError(f"expected a Polygon or MultiPolygon, not {kind!r}")
    return [[[(float(p[0]), float(p[1])) for p in ring] for ring in poly] for poly in polys]


def _int_polygons(geom: dict) -> list[list[Ring]]:
    return [
        [[(round(x * _SCALE), round(y * _SCALE)) for x, y in ring] for ring in poly]
        for poly in _float_polygons(geom)
    ]


def boundary_bbox(geom: dict) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of a Polygon or MultiPolygon."""
    points = [p for poly in _float_polygons(geom) for ring in poly for p in ring]
    if not points:
        raise ValueError("empty geometry")
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def boundary_centroid(geom: dict) -> tuple[float, float]:
    """Area-weighted centroid (lon, lat) of the outer rings, computed in the lon/lat plane (holes are
    ignored). Falls back to the mean of the vertices for a geometry without area."""
    polys = _float_polygons(geom)
    outers = [poly[0] for poly in polys if poly and poly[0]]
    if not outers:
        raise ValueError("empty geometry")
    x0, y0 = outers[0][0]  # work relative to a nearby origin for precision
    total_area = sx = sy = 0.0
    for ring in outers:
        pts = [(x - x0, y - y0) for x, y in ring]
        if pts[0] != pts[-1]:
            pts.append(pts[0])
        a = cx = cy = 0.0
        for (xi, yi), (xj, yj) in zip(pts, pts[1:], strict=False):
            cross = xi * yj - xj * yi
            a += cross
            cx += (xi + xj) * cross
            cy += (yi + yj) * cross
        if a:
            # centroid = (cx / 3a, cy / 3a) with weight |a|/2; the sign of a cancels.
            weight = abs(a) / 2
            total_area += weight
            sx += weight * cx / (3 * a)
            sy += weight * cy / (3 * a)
    if total_area == 0:
        pts = [p for ring in outers for p in (ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring)]
        return sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
    return x0 + sx / total_area, y0 + sy / total_area


def polygons_overlap(a: dict, b: dict) -> bool:
    """Do two Polygon/MultiPolygon geometries share any point? True when any of their edges intersect
    or touch, or when one lies inside the other (a vertex inside it, by ray casting; holes count as
    outside). Works on coordinates rounded to 6 decimals, with exact integer arithmetic."""
    return _overlap(_int_polygons(a), _int_polygons(b))
