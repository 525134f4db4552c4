"""Headers and values in every spelling an office uses."""

import pytest

from mahalleh.registry.importer.columns import BY_KEY, COLUMNS, fold, header_index, value_index
from mahalleh.registry.importer.validate import looks_like_formula


@pytest.mark.parametrize(
    ("spelling", "key"),
    [("کد ملی", "national_code"), ("كد ملي", "national_code"), ("کدملی", "national_code"),
     ("National Code", "national_code"),
     ("national_code", "national_code"), ("نام\u200cخانوادگی", "last_name"), ("Father's name", "father_name"),
     ("تاریخ تولد *", "birth_date"), ("Neighborhood", "neighbourhood"), ("شناسه خانوار", "household_key")],
)  # fmt: skip
def test_headers_in_persian_english_and_their_variants(spelling, key):
    assert header_index()[fold(spelling)] == key


def test_every_choice_has_a_persian_spelling_and_accepts_its_code():
    for column in COLUMNS:
        if column.kind != "choice":
            continue
        index = value_index(column.key)
        for code in column.choices.values:
            assert index[fold(code)] == code
            assert any(not s.isascii() and index[fold(s)] == code for s in column.values[code]), (
                column.key,
                code,
            )


@pytest.mark.parametrize(
    ("key", "spelling", "value"),
    [("sex", "زن", "female"), ("sex", "مرد", "male"), ("relation", "سرپرست", "head"),
     ("relation", "همسر", "spouse"), ("relation", "فرزند", "child"), ("nationality", "افغانستانی", "afghan"),
     ("nationality", "ايراني", "iranian"),
     ("employment", "خانه‌دار", "homemaker"), ("employment", "خانه دار", "homemaker"),
     ("insurance", "تأمین اجتماعی", "social_security"), ("id_type", "کارت آمایش", "foreign_id"),
     ("school_enrolled", "بله", True), ("school_enrolled", "خیر", False), ("school_enrolled", "TRUE", True)],
)  # fmt: skip
def test_persian_value_aliases(key, spelling, value):
    assert value_index(key)[fold(spelling)] == value


def test_every_header_is_unique():
    assert len({c.key for c in COLUMNS}) == len(COLUMNS) == len(BY_KEY)
    assert len(header_index()) > 3 * len(COLUMNS)


@pytest.mark.parametrize(
    ("text", "formula"),
    [("=A1", True), ("@SUM(A1)", True), ("+cmd|'/C calc'!A0", True), ("-1+2", True), ("=", False),
     ("-", False),
     ("+98 912 123 4567", False), ("-12", False), ("-(12)", False), ("+۹۸۹۱۲", False), ("علی", False)],
)  # fmt: skip
def test_what_looks_like_a_formula(text, formula):
    assert looks_like_formula(text) is formula
