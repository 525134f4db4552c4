"""Synthetic national-scale data for the benchmarks: fast, deterministic, realistically messy.

Same seed, same data. Names carry the real variety of spellings (Arabic yeh/kaf, ZWNJ,
spaced compound names), about 1% of national codes are invalid, birth dates are Jalali,
mobiles are Iranian. One row per person, in the columns of the import sheet.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass

import jdatetime
from faker.providers.person.fa_IR import Provider as FaNames

from mahalleh.core.national_code import national_code_check_digit

PROVINCES = 31
NEIGHBOURHOODS = 1000

# Header order of the generated sheet: the import template's Persian headers.
FIELDS = (
    "household_key", "neighbourhood", "address", "phone", "tenure", "income_band", "relation",
    "first_name", "last_name", "father_name", "sex", "birth_date", "id_type", "national_code",
    "document_number", "nationality", "education", "school_enrolled", "employment", "disability",
    "insurance", "mobile",
)  # fmt: skip

ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})
ZWNJ = "\u200c"
COMPOUND = ("محمدرضا", "علیرضا", "محمدحسین", "امیرحسین", "محمدعلی", "غلامرضا", "حمیدرضا", "محمدمهدی")
STREETS = ("کوچه شهید رجایی", "خیابان امام", "کوچه بهار", "کوچه لاله", "بلوار جمهوری", "کوچه گلستان")


def _fold_variants(name: str, rng: random.Random) -> str:
    """The same name as people really type it: Arabic letters, a space or a ZWNJ in compounds."""
    roll = rng.random()
    if roll < 0.08:
        return name.translate(ARABIC)
    if roll < 0.14 and name in COMPOUND:
        cut = 4 if name.startswith("محمد") else 3
        return name[:cut] + (" " if rng.random() < 0.5 else ZWNJ) + name[cut:]
    return name


@dataclass(frozen=True)
class Place:
    province: int
    neighbourhood: int

    @property
    def province_code(self) -> str:
        return f"P{self.province:02d}"

    @property
    def code(self) -> str:
        return f"P{self.province:02d}-N{self.neighbourhood:04d}"

    @property
    def office_code(self) -> str:
        # Each office serves two neighbourhoods.
        return f"P{self.province:02d}-O{(self.neighbourhood + 1) // 2:04d}"


def places(neighbourhoods: int = NEIGHBOURHOODS, provinces: int = PROVINCES) -> list[Place]:
    return [Place(province=1 + i % provinces, neighbourhood=i + 1) for i in range(neighbourhoods)]


class Generator:
    def __init__(self, seed: int = 1403, *, invalid_code_share: float = 0.01):
        self.rng = random.Random(seed)
        self.invalid_share = invalid_code_share
        self.male = list(FaNames.first_names_male) + list(COMPOUND)
        self.female = list(FaNames.first_names_female)
        self.last = list(FaNames.last_names)
        # Different seeds give different people (their national codes never collide for seeds < 100).
        self.serial = (seed % 100) * 10_000_000
        self.today = jdatetime.date(1405, 9, 8)

    def _code(self) -> str:
        self.serial += 1
        # Distinct first nine digits per person (serial, offset to avoid repeated-digit codes).
        first9 = f"{(self.serial * 7919 + 100_000_000) % 1_000_000_000:09d}"
        check = national_code_check_digit(first9)
        if self.rng.random() < self.invalid_share:
            check = (check + 1) % 10
        return first9 + str(check)

    def _birth(self, age: int) -> str:
        year = self.today.year - age
        month = self.rng.randint(1, 12)
        day = self.rng.randint(1, 29 if month == 12 else 30)
        return f"{year}/{month}/{day}"

    def _mobile(self) -> str:
        return f"09{self.rng.choice((12, 13, 15, 16, 17, 18, 19, 30, 33, 35, 36, 37, 38, 39, 90, 91, 92))}{self.rng.randint(0, 9_999_999):07d}"

    def households(self, persons: int, place_codes: list[str]) -> Iterator[list[str]]:
        """Rows (lists of strings in FIELDS order) until `persons` people have been produced."""
        rng = self.rng
        made, key = 0, 0
        while made < persons:
            key += 1
            size = min(persons - made, max(1, min(9, round(rng.gauss(4, 1.6)))))
            place = place_codes[key % len(place_codes)]
            last = rng.choice(self.last)
            address = f"{rng.choice(STREETS)}، پلاک {rng.randint(1, 250)}"
            head_female = rng.random() < 0.2
            head_age = rng.randint(22, 75)
            afghan = rng.random() < 0.25
            tenure = rng.choice(("rented", "rented", "informal", "owned", "mortgage", "free"))
            income = rng.choice(("none", "very_low", "very_low", "low", "low", "medium"))
            father = rng.choice(self.male)
            for i in range(size):
                if i == 0:
                    relation, female, age = "head", head_female, head_age
                elif i == 1 and size > 2:
                    relation, female, age = "spouse", not head_female, max(18, head_age + rng.randint(-8, 4))
                else:
                    relation, female = "child", rng.random() < 0.5
                    age = max(0, head_age - rng.randint(18, 40))
                first = rng.choice(self.female if female else self.male)
                if afghan:
                    roll = rng.random()
                    id_type, code, doc = (
                        ("foreign_id", "", f"A{rng.randint(10_000_000, 99_999_999)}")
                        if roll < 0.6
                        else ("none", "", "")
                    )
                else:
                    id_type, code, doc = "national_code", self._code(), ""
                adult = age >= 18
                yield [
                    f"H{key:08d}",
                    place,
                    address if i == 0 else "",
                    f"034{rng.randint(30_000_000, 39_999_999)}" if i == 0 and rng.random() < 0.4 else "",
                    tenure if i == 0 else "",
                    income if i == 0 else "",
                    relation,
                    _fold_variants(first, rng),
                    last if relation != "spouse" else rng.choice(self.last),
                    _fold_variants(father if relation == "child" else rng.choice(self.male), rng),
                    "female" if female else "male",
                    self._birth(age),
                    id_type,
                    code,
                    doc,
                    "afghan" if afghan else "iranian",
                    ("primary" if age < 12 else "lower_secondary")
                    if age < 18
                    else rng.choice(
                        ("none", "literacy", "primary", "lower_secondary", "upper_secondary", "bachelor")
                    ),
                    ("yes" if rng.random() < 0.85 else "no") if 6 <= age <= 18 else "",
                    rng.choice(("employed", "informal", "unemployed", "homemaker", "self_employed"))
                    if adult
                    else "child",
                    "none" if rng.random() > 0.04 else "physical",
                    rng.choice(("health", "social_security", "none", "relief")),
                    self._mobile() if adult and rng.random() < 0.8 else "",
                ]
                made += 1


def import_headers() -> list[str]:
    """The Persian headers of the import template, in FIELDS order."""
    from mahalleh.registry.importer.columns import COLUMNS

    by_key = {c.key: c.fa for c in COLUMNS}
    return [by_key[key] for key in FIELDS]


def write_csv(path, *, persons: int, place_codes: list[str], seed: int = 1403, headers=None) -> int:
    headers = headers or import_headers()
    gen = Generator(seed)
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        batch = []
        for row in gen.households(persons, place_codes):
            batch.append(row)
            if len(batch) >= 10_000:
                writer.writerows(batch)
                count += len(batch)
                batch = []
        writer.writerows(batch)
        count += len(batch)
    return count


def write_xlsx(path, *, persons: int, place_codes: list[str], seed: int = 1403, headers=None) -> int:
    import xlsxwriter

    headers = headers or import_headers()
    gen = Generator(seed)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("households")
    sheet.write_row(0, 0, headers)
    count = 0
    for count, row in enumerate(gen.households(persons, place_codes), start=1):
        sheet.write_row(count, 0, row)
    book.close()
    return count


def _gregorian(jalali: str):
    y, m, d = (int(x) for x in jalali.split("/"))
    return jdatetime.date(y, m, d).togregorian()


def load_db(*, persons: int, seed: int = 1403, neighbourhoods: int = NEIGHBOURHOODS, stdout=None) -> dict:
    """Load synthetic places and `persons` residents straight into the database (for search and
    API benchmarks at scale): set-based inserts, COPY on PostgreSQL, executemany on SQLite."""
    from django.db import connection, transaction
    from django.utils import timezone

    from mahalleh.core.national_code import is_valid_national_code
    from mahalleh.geo.models import County, Neighbourhood, Office, Province
    from mahalleh.registry import search

    plan = places(neighbourhoods)
    with transaction.atomic():
        provinces = {}
        for p in sorted({pl.province for pl in plan}):
            code = f"P{p:02d}"
            provinces[p], _c = Province.objects.get_or_create(code=code, defaults={"name_fa": f"استان {p}"})
        counties = {
            p: County.objects.get_or_create(
                code=f"{prov.code}-C1", defaults={"province": prov, "name_fa": "مرکزی"}
            )[0]
            for p, prov in provinces.items()
        }
        offices, hood_ids, hood_offices = {}, {}, {}
        for pl in plan:
            if pl.office_code not in offices:
                offices[pl.office_code], _c = Office.objects.get_or_create(
                    code=pl.office_code,
                    defaults={"county": counties[pl.province], "name_fa": f"دفتر {pl.office_code}"},
                )
            hood, _c = Neighbourhood.objects.get_or_create(
                code=pl.code,
                defaults={
                    "county": counties[pl.province],
                    "name_fa": f"محله {pl.neighbourhood}",
                    "office": offices[pl.office_code],
                },
            )
            hood_ids[pl.code] = hood.pk
            hood_offices[hood.pk] = hood.office_id

    now = timezone.now()
    gen = Generator(seed)
    vendor = connection.vendor
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM registry_household")
        next_household = cur.fetchone()[0] + 1
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM registry_person")
        next_person = cur.fetchone()[0] + 1
        household_ids: dict[str, tuple[int, int]] = {}
        h_rows, p_rows = [], []
        count = 0

        def flush():
            if not h_rows and not p_rows:
                return
            h_cols = (
                "id, neighbourhood_id, office_id, address, phone, tenure, income_band, external_id, search_key, "
                "created_at, updated_at"
            )
            p_cols = (
                "id, household_id, neighbourhood_id, office_id, id_type, national_code, document_number, first_name, last_name, father_name, sex, "
                "birth_date, relation, nationality, education, school_enrolled, employment, disability, insurance, "
                "mobile, status, search_key, created_at, updated_at"
            )
            if vendor == "postgresql":
                # COPY, not executemany: an order of magnitude faster on PostgreSQL.
                with cur.copy(f"COPY registry_household ({h_cols}) FROM STDIN") as copy:
                    for row in h_rows:
                        copy.write_row(row)
                with cur.copy(f"COPY registry_person ({p_cols}) FROM STDIN") as copy:
                    for row in p_rows:
                        copy.write_row(row)
            else:
                cur.executemany(
                    f"INSERT INTO registry_household ({h_cols}) VALUES ({', '.join(['%s'] * 11)})",
                    h_rows,  # noqa: S608
                )
                cur.executemany(
                    f"INSERT INTO registry_person ({p_cols}) VALUES ({', '.join(['%s'] * 24)})",
                    p_rows,  # noqa: S608
                )
                search.fts_upsert([(row[0], row[21]) for row in p_rows])
            h_rows.clear()
            p_rows.clear()

        for row in gen.households(persons, list(hood_ids)):
            key = row[0]
            hid, nb = household_ids.get(key) or (None, None)
            if hid is None:
                hid, nb = next_household, hood_ids[row[1]]
                household_ids[key] = (hid, nb)
                next_household += 1
                h_rows.append(
                    (
                        hid,
                        nb,
                        hood_offices[nb],
                        row[2],
                        row[3],
                        row[4],
                        row[5],
                        key,
                        search.search_key(row[2]),
                        now,
                        now,
                    )
                )
            code = row[13] if row[13] and is_valid_national_code(row[13]) else None
            p_rows.append(
                (
                    next_person, hid, nb, hood_offices[nb], row[12] if code or row[12] != "national_code" else "none", code, row[14],
                    row[7], row[8], row[9], row[10], _gregorian(row[11]), row[6], row[15], row[16],
                    {"yes": True, "no": False}.get(row[17]), row[18], row[19], row[20], row[21], "active",
                    search.person_key(first_name=row[7], last_name=row[8], father_name=row[9]), now, now,
                )
            )  # fmt: skip
            next_person += 1
            count += 1
            if len(p_rows) >= 20_000:
                flush()
                # Keys come in order: only the current household can continue after the flush.
                household_ids.clear()
                household_ids[key] = (hid, nb)
                if stdout is not None:
                    stdout.write(f"\r{count:,} persons")
        flush()
        # Heads: the household's member with relation=head (set-based).
        cur.execute(
            "UPDATE registry_household SET head_id = (SELECT MIN(p.id) FROM registry_person p "
            "WHERE p.household_id = registry_household.id AND p.relation = 'head') WHERE head_id IS NULL"
        )
        if vendor == "postgresql":
            for table in ("registry_household", "registry_person"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )  # noqa: S608
            cur.execute("ANALYZE registry_household")
            cur.execute("ANALYZE registry_person")
    return {"persons": count, "households": next_household - 1, "neighbourhoods": len(hood_ids)}
