"""Iranian national code: normalisation, check digit and the messages of refusals."""

import random

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from mahalleh.core.national_code import (
    is_valid_national_code,
    make_national_code,
    national_code_check_digit,
    normalize_national_code,
    random_national_code,
)

first_nines = st.text("0123456789", min_size=9, max_size=9).filter(lambda s: len(set(s)) > 1)


def weighted_sum_mod_11(first9: str) -> int:
    """The formula written out independently of the module under test."""
    return sum(int(first9[i]) * (10 - i) for i in range(9)) % 11


def refusal(value) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        normalize_national_code(value)
    return info.value


def english(error: ValidationError) -> str:
    with translation.override("en"):
        return " ".join(error.messages)


# --------------------------------------------------------------------------- known codes

# Worked by hand with s = Σ digit[i]·(10−i) mod 11, check = s if s < 2 else 11 − s:
KNOWN_VALID = [
    "0012345679",  # s = 8+14+18+20+20+18+14 = 112 ≡ 2  → check 9
    "1234567891",  # s = 10+18+24+28+30+30+28+24+18 = 210 ≡ 1 → check 1
    "0000000310",  # s = 3·3 + 1·2 = 11 ≡ 0 → check 0
    "0000000051",  # s = 5·2 = 10 → check 11 − 10 = 1
    "0000000061",  # s = 6·2 = 12 ≡ 1 → check 1 (same check as s = 10)
    "0499370899",  # s = 36+72+63+18+35+0+24+18 = 266 ≡ 2 → check 9
]


def test_known_valid_codes_are_accepted():
    for code in KNOWN_VALID:
        assert is_valid_national_code(code), code
        assert normalize_national_code(code) == code


def test_check_digit_follows_the_formula_for_known_prefixes():
    assert national_code_check_digit("001234567") == 9
    assert national_code_check_digit("123456789") == 1
    assert national_code_check_digit("000000031") == 0
    assert national_code_check_digit("000000005") == 1
    # 0·10+4·9+9·8+9·7+3·6+7·5+0·4+8·3+9·2 = 266 ≡ 2 → check 9
    assert national_code_check_digit("049937089") == 9
    assert make_national_code("049937089") == "0499370899"


def test_a_wrong_check_digit_is_refused_with_reason():
    error = refusal("0012345670")
    assert error.code == "check_digit"
    assert "check digit" in english(error)


# --------------------------------------------------------------------------- spellings


@pytest.mark.parametrize(
    "typed",
    [
        "0012345679",
        " 0012345679 ",
        "۰۰۱۲۳۴۵۶۷۹",
        "٠٠١٢٣٤٥٦٧٩",
        "001-234567-9",
        "۰۰۱-۲۳۴۵۶۷-۹",
        "001 234 567 9",
        "\u200f0012345679",
        "12345679",  # a spreadsheet dropped the two leading zeros
        "012345679",
        12345679,
        12345679.0,
    ],
)
def test_usual_spellings_of_a_code_are_normalised_to_ten_latin_digits(typed):
    assert normalize_national_code(typed) == "0012345679"
    assert is_valid_national_code(typed)


@pytest.mark.parametrize("typed", ["1234567", "1", "00123456790", "12345678901234"])
def test_a_code_of_the_wrong_length_is_refused_with_the_count(typed):
    error = refusal(typed)
    assert error.code == "length"
    assert f"({len(typed)} were entered)" in english(error)


def test_the_digit_count_is_shown_in_persian_digits_in_the_persian_ui():
    with translation.override("fa"):
        assert "۷" in " ".join(refusal("1234567").messages)


@pytest.mark.parametrize("typed", ["00123A5679", "0012.45679", "code", "۰۰۱۲۳۴۵۶۷۹x"])
def test_a_code_with_letters_is_refused_as_not_digits(typed):
    error = refusal(typed)
    assert error.code == "not_digits"
    assert "only digits" in english(error)


@pytest.mark.parametrize("digit", "0123456789")
def test_a_code_of_one_repeated_digit_is_refused(digit):
    error = refusal(digit * 10)
    assert error.code == "same_digits"
    assert "repeated" in english(error)


@pytest.mark.parametrize("empty", [None, "", "   ", "--"])
def test_an_empty_code_is_refused_as_required(empty):
    assert refusal(empty).code == "required"
    assert not is_valid_national_code(empty)


def test_some_repeated_digit_codes_pass_the_check_digit_but_are_still_refused():
    # 1111111111 has a correct check digit (s = 54 ≡ 10 → 1): only the repetition rule stops it.
    assert national_code_check_digit("111111111") == 1
    assert refusal("1111111111").code == "same_digits"


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("bad", ["12345678", "1234567890", "12345678a", ""])
def test_check_digit_helper_needs_exactly_nine_digits(bad):
    with pytest.raises(ValueError):
        national_code_check_digit(bad)


@pytest.mark.parametrize("first9", ["000000000", "111111111", 0])
def test_make_national_code_refuses_to_make_a_repeated_digit_code(first9):
    with pytest.raises(ValueError):
        make_national_code(first9)


def test_make_national_code_pads_an_integer_prefix():
    assert make_national_code(1234567) == "0012345679"


def test_random_national_codes_are_valid_and_reproducible():
    codes = [random_national_code(random.Random(7)) for _ in range(3)]
    assert len(set(codes)) == 1
    rng = random.Random(42)
    assert all(is_valid_national_code(random_national_code(rng)) for _ in range(1000))


# --------------------------------------------------------------------------- properties


@given(first_nines)
def test_every_code_made_with_the_check_digit_helper_is_valid(first9):
    code = make_national_code(first9)
    assert code[:9] == first9
    assert normalize_national_code(code) == code
    assert is_valid_national_code("-".join([code[:3], code[3:9], code[9]]))


@given(first_nines, st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_every_single_digit_change_of_a_valid_code_is_refused_except_the_s1_s10_collision(
    first9, position, shift
):
    """Changing digit i < 9 by δ ≠ 0 changes s by (10 − i)·δ mod 11, never 0 since 11 is prime
    and both factors are in 1..10. The check digit is a function of s that is one-to-one except
    that s = 1 and s = 10 both give check 1 — so exactly those changes stay valid (for example
    0000000051 → 0000000061). Changing the check digit alone is always refused."""
    code = make_national_code(first9)
    changed_digit = str((int(code[position]) + shift) % 10)
    changed = code[:position] + changed_digit + code[position + 1 :]
    assert changed != code
    if position < 9:
        s_before, s_after = weighted_sum_mod_11(code[:9]), weighted_sum_mod_11(changed[:9])
        assert s_before != s_after
        collision = {s_before, s_after} == {1, 10}
    else:
        collision = False
    expected_valid = collision and len(set(changed)) > 1
    assert is_valid_national_code(changed) == expected_valid


def test_the_s1_s10_collision_really_exists():
    assert is_valid_national_code("0000000051") and is_valid_national_code("0000000061")


@given(st.one_of(st.text(), st.text("0123456789۰۱۲۳۴۵۶۷۸۹ -", max_size=14)))
def test_is_valid_agrees_with_normalize(value):
    try:
        normalized = normalize_national_code(value)
    except ValidationError:
        assert not is_valid_national_code(value)
    else:
        assert is_valid_national_code(value)
        assert len(normalized) == 10 and normalized.isascii() and normalized.isdigit()
        assert normalize_national_code(normalized) == normalized
