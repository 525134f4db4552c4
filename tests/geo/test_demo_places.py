"""Demo place data: mahalleh.demo.places."""

import datetime
import itertools
import json
import os
import re
import subprocess
import sys

import pytest

from mahalleh.demo.places import COUNTIES, NEIGHBOURHOODS, OFFICES, PROVINCE, area_km2
from mahalleh.geo.geojson import boundary_centroid, parse_boundary, polygons_overlap

COUNTY_CODES = {c["code"] for c in COUNTIES}
BY_CODE = {n["code"]: n for n in NEIGHBOURHOODS}


def test_province_and_counties():
    assert PROVINCE == {"code": "KRM", "name_fa": "استان کرمان", "name_en": "Kerman"}
    assert [c["name_fa"] for c in COUNTIES] == ["شهرستان کرمان", "شهرستان سیرجان"]
    assert all(c["province_code"] == "KRM" for c in COUNTIES)


def test_fifteen_neighbourhoods_ten_target_five_comparison():
    assert len(NEIGHBOURHOODS) == 15
    kinds = [n["kind"] for n in NEIGHBOURHOODS]
    assert kinds.count("target") == 10
    assert kinds.count("comparison") == 5
    per_county = {(c, k): 0 for c in COUNTY_CODES for k in ("target", "comparison")}
    for n in NEIGHBOURHOODS:
        per_county[n["county_code"], n["kind"]] += 1
    assert per_county == {
        ("KRM-C01", "target"): 6,
        ("KRM-C01", "comparison"): 3,
        ("KRM-C02", "target"): 4,
        ("KRM-C02", "comparison"): 2,
    }


def test_codes_unique_and_well_formed():
    codes = [PROVINCE["code"]] + [x["code"] for x in COUNTIES + NEIGHBOURHOODS + OFFICES]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"KRM-N\d\d", n["code"]) for n in NEIGHBOURHOODS)
    assert [o["code"] for o in OFFICES] == [f"KRM-O{i:02d}" for i in range(1, 11)]
    assert len({n["name_fa"] for n in NEIGHBOURHOODS}) == 15
    assert len({n["name_en"] for n in NEIGHBOURHOODS}) == 15


@pytest.mark.parametrize("neighbourhood", NEIGHBOURHOODS, ids=lambda n: n["code"])
def test_boundary_is_valid_and_plausible(neighbourhood):
    boundary = neighbourhood["boundary"]
    assert parse_boundary(boundary) == boundary  # already normalised
    assert 8 <= len(boundary["coordinates"][0]) - 1 <= 14
    assert 0.5 <= area_km2(boundary) <= 2.0
    assert neighbourhood["county_code"] in COUNTY_CODES
    # On the edge of its own city: 2.5–6 km from the city centre.
    lon0, lat0 = next(c["centre"] for c in COUNTIES if c["code"] == neighbourhood["county_code"])
    lon, lat = boundary_centroid(boundary)
    distance_km = ((lon - lon0) * 96.1) ** 2 + ((lat - lat0) * 110.6) ** 2
    assert 2.5**2 <= distance_km <= 6**2


def test_population_and_households():
    for n in NEIGHBOURHOODS:
        assert 8_000 <= n["est_population"] <= 40_000
        assert 3.3 <= n["est_population"] / n["est_households"] <= 3.9


def test_no_two_neighbourhoods_overlap():
    for a, b in itertools.combinations(NEIGHBOURHOODS, 2):
        assert not polygons_overlap(a["boundary"], b["boundary"]), (a["code"], b["code"])


def test_every_office_serves_target_neighbourhoods_of_its_own_county():
    assert len(OFFICES) == 10
    for office in OFFICES:
        assert office["county_code"] in COUNTY_CODES
        assert len(office["neighbourhood_codes"]) >= 1
        for code in office["neighbourhood_codes"]:
            n = BY_CODE[code]
            assert n["kind"] == "target"
            assert n["county_code"] == office["county_code"]
            assert n["office_code"] == office["code"]
        served = BY_CODE[office["neighbourhood_codes"][0]]
        assert office["name_fa"] == f"دفتر تسهیلگری {served['name_fa']}"
        assert office["name_en"] == f"Facilitation office {served['name_en']}"


def test_target_neighbourhoods_have_an_office_and_comparison_ones_none():
    office_codes = {o["code"] for o in OFFICES}
    served = [c for o in OFFICES for c in o["neighbourhood_codes"]]
    assert len(served) == len(set(served))
    for n in NEIGHBOURHOODS:
        if n["kind"] == "target":
            assert n["office_code"] in office_codes
            assert n["code"] in served
        else:
            assert n["office_code"] is None
            assert n["code"] not in served


def test_office_details():
    for office in OFFICES:
        assert re.fullmatch(r"034\d{8}", office["phone"])
        assert isinstance(office["opened_on"], datetime.date)
        assert datetime.date(2022, 1, 1) <= office["opened_on"] <= datetime.date(2024, 12, 31)
        assert office["address"].startswith(("کرمان، ", "سیرجان، "))


def test_persian_text_uses_persian_letters():
    # Persian keheh and yeh, never the Arabic kaf (U+0643) and yeh (U+064A).
    texts = [PROVINCE["name_fa"]] + [x["name_fa"] for x in COUNTIES + NEIGHBOURHOODS + OFFICES]
    texts += [o["address"] for o in OFFICES]
    for text in texts:
        assert "\u0643" not in text and "\u064a" not in text, text
        assert "  " not in text and text == text.strip()
    assert "\u200c" in BY_CODE["KRM-N03"]["name_fa"]  # فردوسی‌آباد with a zero-width non-joiner


def test_deterministic_across_interpreters():
    code = (
        "import json; from mahalleh.demo import places as p; "
        "print(json.dumps([p.PROVINCE, p.COUNTIES, p.NEIGHBOURHOODS, p.OFFICES], "
        "default=str, sort_keys=True))"
    )
    runs = {
        subprocess.run(  # noqa: S603 - our own interpreter, fixed code
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert runs == {
        json.dumps([PROVINCE, COUNTIES, NEIGHBOURHOODS, OFFICES], default=str, sort_keys=True) + "\n"
    }
