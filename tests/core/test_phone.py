"""Iranian mobile numbers are normalised to 09xxxxxxxxx; everything else is refused with a reason."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from mahalleh.core.persian import to_persian_digits
from mahalleh.core.phone import is_valid_mobile, normalize_mobile


def refusal(value) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        normalize_mobile(value)
    return info.value


def english(error: ValidationError) -> str:
    with translation.override("en"):
        return " ".join(error.messages)


@pytest.mark.parametrize(
    "typed",
    [
        "09121234567",
        "9121234567",
        "+989121234567",
        "+98 912 123 4567",
        "+98 (912) 123-4567",
        "+98 0912 123 4567",
        "0098 912 123 4567",
        "00989121234567",
        "989121234567",
        "98 912 123 45 67",
        "0912-123-4567",
        "(0912) 123 4567",
        "0912.123.4567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "٠٩١٢١٢٣٤٥٦٧",
        "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷",
        " \u200f09121234567\u200e ",
        9121234567,
        9121234567.0,
    ],
)
def test_usual_spellings_of_a_mobile_number_become_09_form(typed):
    assert normalize_mobile(typed) == "09121234567"
    assert is_valid_mobile(typed)


@pytest.mark.parametrize("empty", [None, "", "   ", " - "])
def test_an_empty_mobile_is_allowed_and_stays_empty(empty):
    assert normalize_mobile(empty) == ""
    assert not is_valid_mobile(empty)


@pytest.mark.parametrize("typed", ["+1 555 123 4567", "0044 7911 123456", "+9 912 123 4567"])
def test_a_foreign_number_is_refused_with_reason(typed):
    error = refusal(typed)
    assert error.code == "foreign"
    assert "+98" in english(error)


@pytest.mark.parametrize("typed", ["02112345678", "021 1234 5678", "+98 21 1234 5678", "8121234567"])
def test_a_landline_is_refused_as_not_a_mobile(typed):
    error = refusal(typed)
    assert error.code == "not_mobile"
    assert "start with 09" in english(error)


@pytest.mark.parametrize("typed", ["0912123456", "091212345678", "912", "+98", "0098912123456"])
def test_a_number_of_the_wrong_length_is_refused_with_an_example(typed):
    error = refusal(typed)
    assert error.code == "length"
    assert "11 digits" in english(error)


@pytest.mark.parametrize("typed", ["0912abc4567", "0912+1234567", "0912/123/4567", "tel:09121234567"])
def test_a_number_with_other_characters_is_refused(typed):
    error = refusal(typed)
    assert error.code == "invalid_characters"


national_parts = st.text("0123456789", min_size=9, max_size=9).map(lambda rest: "9" + rest)
spellings = st.sampled_from(
    [
        lambda n: "0" + n,
        lambda n: n,
        lambda n: "+98" + n,
        lambda n: "+98 " + n[:3] + " " + n[3:6] + " " + n[6:],
        lambda n: "0098-" + n,
        lambda n: "98" + n,
        lambda n: "(0" + n[:3] + ") " + n[3:6] + "-" + n[6:],
        lambda n: to_persian_digits("0" + n),
    ]
)


@given(national_parts, spellings)
def test_every_spelling_of_a_mobile_gives_the_same_09_number(national, spell):
    normalized = normalize_mobile(spell(national))
    assert normalized == "0" + national
    assert re.fullmatch(r"09\d{9}", normalized)
    assert normalize_mobile(normalized) == normalized


@given(st.text(max_size=20))
def test_a_mobile_is_either_refused_or_normalised_to_09_form(text):
    try:
        normalized = normalize_mobile(text)
    except ValidationError as error:
        assert error.code in {"invalid_characters", "foreign", "length", "not_mobile"}
    else:
        assert normalized == "" or re.fullmatch(r"09\d{9}", normalized)
