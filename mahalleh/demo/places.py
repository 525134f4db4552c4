"""Deterministic demo places: Kerman province, two counties, 15 neighbourhoods and 10 offices.

Pure data, no database access. Every run of the interpreter builds exactly the same values (the
shapes come from ``random.Random`` seeded with a fixed integer per neighbourhood). The names are
made up but plausible for informal-settlement neighbourhoods on the edge of Kerman and Sirjan.

Boundaries are GeoJSON Polygons with a single counter-clockwise outer ring, coordinates rounded to
6 decimals, so ``mahalleh.geo.geojson.parse_boundary`` returns them unchanged.
"""

from __future__ import annotations

import datetime
import math
import random

__all__ = ["COUNTIES", "NEIGHBOURHOODS", "OFFICES", "PROVINCE", "TARGET", "COMPARISON", "area_km2"]

TARGET = "target"
COMPARISON = "comparison"

KM_PER_DEGREE_LAT = 110.574
KM_PER_DEGREE_LON_AT_EQUATOR = 111.320

PROVINCE = {"code": "KRM", "name_fa": "استان کرمان", "name_en": "Kerman"}

COUNTIES = [
    {
        "code": "KRM-C01",
        "name_fa": "شهرستان کرمان",
        "name_en": "Kerman County",
        "province_code": "KRM",
        "centre": (57.08, 30.28),  # (lon, lat) of the city
    },
    {
        "code": "KRM-C02",
        "name_fa": "شهرستان سیرجان",
        "name_en": "Sirjan County",
        "province_code": "KRM",
        "centre": (55.68, 29.45),
    },
]

# How the neighbourhoods of each county sit around its city: distance of their centres from the
# city centre (km) and the city name used in addresses.
_RINGS = {
    "KRM-C01": {"radius_km": 4.6, "city_fa": "کرمان", "phone_prefix": "0343"},
    "KRM-C02": {"radius_km": 3.7, "city_fa": "سیرجان", "phone_prefix": "0344"},
}

# (county, kind, name_fa, name_en, estimated population)
_NEIGHBOURHOODS = [
    ("KRM-C01", TARGET, "شهرک امام حسین", "Shahrak-e Emam Hossein", 31_400),
    ("KRM-C01", TARGET, "شهرک الغدیر", "Shahrak-e Al-Ghadir", 18_750),
    ("KRM-C01", TARGET, "فردوسی‌آباد", "Ferdowsiabad", 12_300),
    ("KRM-C01", TARGET, "خواجو", "Khajou", 24_900),
    ("KRM-C01", TARGET, "شهرک سعدی", "Shahrak-e Saadi", 9_850),
    ("KRM-C01", TARGET, "سیدی", "Seyyedi", 37_200),
    ("KRM-C01", COMPARISON, "شهرک مطهری", "Shahrak-e Motahhari", 21_600),
    ("KRM-C01", COMPARISON, "اکبرآباد", "Akbarabad", 14_100),
    ("KRM-C01", COMPARISON, "شهرک شهید باهنر", "Shahrak-e Shahid Bahonar", 27_800),
    ("KRM-C02", TARGET, "شهرک ولی‌عصر", "Shahrak-e Vali-e Asr", 16_450),
    ("KRM-C02", TARGET, "نجف‌آباد", "Najafabad", 22_300),
    ("KRM-C02", TARGET, "حسین‌آباد", "Hosseinabad", 8_900),
    ("KRM-C02", TARGET, "کوی ابوذر", "Kuy-e Abuzar", 11_700),
    ("KRM-C02", COMPARISON, "محمودآباد", "Mahmoudabad", 13_250),
    ("KRM-C02", COMPARISON, "قاسم‌آباد", "Ghasemabad", 10_600),
]

_STREETS = [
    "خیابان اصلی",
    "بلوار امام رضا",
    "خیابان شهید بهشتی",
    "خیابان مدرس",
    "بلوار ولایت",
    "خیابان بهار",
    "خیابان شهید چمران",
    "بلوار جمهوری",
    "خیابان فرهنگ",
    "خیابان شهید رجایی",
]

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _fa_digits(n: int) -> str:
    return str(n).translate(_PERSIAN_DIGITS)


def _km_per_degree_lon(lat: float) -> float:
    return KM_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(lat))


def area_km2(boundary: dict) -> float:
    """Area of a small Polygon's outer ring in km², on a local equirectangular projection."""
    ring = boundary["coordinates"][0]
    lat0 = sum(p[1] for p in ring) / len(ring)
    kx, ky = _km_per_degree_lon(lat0), KM_PER_DEGREE_LAT
    twice = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        twice += (x1 * kx) * (y2 * ky) - (x2 * kx) * (y1 * ky)
    return abs(twice) / 2


def _shape(seed: int, centre: tuple[float, float], area: float) -> dict:
    """A jittered circle of ``area`` km² around ``centre`` (lon, lat): star-shaped around its centre
    (angles strictly increasing, radii positive), hence a simple polygon, wound counter-clockwise."""
    rng = random.Random(seed)
    n = rng.randint(8, 14)
    step = 2 * math.pi / n
    start = rng.uniform(0, step)
    angles = [start + k * step + rng.uniform(-0.3, 0.3) * step for k in range(n)]
    radii = [rng.uniform(0.75, 1.25) for _ in range(n)]
    # Area of the unit shape, then scale the radii to reach the wanted area.
    unit = (
        sum(
            radii[k]
            * radii[(k + 1) % n]
            * math.sin(angles[(k + 1) % n] - angles[k] + (2 * math.pi if k == n - 1 else 0))
            for k in range(n)
        )
        / 2
    )
    scale = math.sqrt(area / unit)
    lon0, lat0 = centre
    kx, ky = _km_per_degree_lon(lat0), KM_PER_DEGREE_LAT
    ring = [
        [
            round(lon0 + scale * radii[k] * math.cos(angles[k]) / kx, 6),
            round(lat0 + scale * radii[k] * math.sin(angles[k]) / ky, 6),
        ]
        for k in range(n)
    ]
    ring.append(list(ring[0]))
    return {"type": "Polygon", "coordinates": [ring]}


def _build() -> tuple[list[dict], list[dict]]:
    neighbourhoods: list[dict] = []
    offices: list[dict] = []
    centres = {c["code"]: c["centre"] for c in COUNTIES}
    per_county = {code: [n for n in _NEIGHBOURHOODS if n[0] == code] for code in centres}
    slot = {code: 0 for code in centres}
    for index, (county, kind, name_fa, name_en, population) in enumerate(_NEIGHBOURHOODS, start=1):
        rng = random.Random(7_000 + index)
        count = len(per_county[county])
        k = slot[county]
        slot[county] += 1
        # Evenly around the city, with a little wobble in bearing and distance.
        bearing = 2 * math.pi * k / count + rng.uniform(-0.08, 0.08)
        distance = _RINGS[county]["radius_km"] * rng.uniform(0.92, 1.08)
        lon0, lat0 = centres[county]
        centre = (
            lon0 + distance * math.cos(bearing) / _km_per_degree_lon(lat0),
            lat0 + distance * math.sin(bearing) / KM_PER_DEGREE_LAT,
        )
        area = rng.uniform(0.6, 1.9)
        code = f"KRM-N{index:02d}"
        households = round(population / 3.6 * rng.uniform(0.96, 1.04))
        neighbourhood = {
            "code": code,
            "name_fa": name_fa,
            "name_en": name_en,
            "county_code": county,
            "kind": kind,
            "boundary": _shape(1_000 + index, centre, area),
            "est_population": population,
            "est_households": households,
            "office_code": None,
        }
        if kind == TARGET:
            number = len(offices) + 1
            office_code = f"KRM-O{number:02d}"
            neighbourhood["office_code"] = office_code
            ring = _RINGS[county]
            street = _STREETS[(index * 3) % len(_STREETS)]
            address = (
                f"{ring['city_fa']}، {name_fa}، {street}، کوچهٔ {_fa_digits(rng.randint(2, 24))}، "
                f"پلاک {_fa_digits(rng.randint(3, 120))}"
            )
            phone = f"{ring['phone_prefix']}{rng.randint(1_000_000, 9_999_999)}"
            opened_on = datetime.date(2022, 1, 1) + datetime.timedelta(days=rng.randint(0, 3 * 365))
            offices.append(
                {
                    "code": office_code,
                    "name_fa": f"دفتر تسهیلگری {name_fa}",
                    "name_en": f"Facilitation office {name_en}",
                    "county_code": county,
                    "neighbourhood_codes": [code],
                    "address": address,
                    "phone": phone,
                    "opened_on": opened_on,
                }
            )
        neighbourhoods.append(neighbourhood)
    return neighbourhoods, offices


NEIGHBOURHOODS, OFFICES = _build()
