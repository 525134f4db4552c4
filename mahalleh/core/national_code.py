"""Iranian national code (کد ملی): normalisation and check-digit validation.

A national code has 10 digits; the last one is a check digit over the first nine::

    s = sum(digit[i] * (10 - i) for i in 0..8) % 11
    check = s       if s < 2
    check = 11 - s  otherwise

Codes lose their leading zeros in spreadsheets, so 8 or 9 digits are left-padded with zeros.
"""

import random

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mahalleh.core.persian import BIDI_MARKS, localized_digits, to_latin_digits

__all__ = [
    "is_valid_national_code",
    "make_national_code",
    "national_code_check_digit",
    "normalize_national_code",
    "random_national_code",
]

#: Characters people put between the digits: spaces, dashes of every kind, bidi marks.
_SEPARATORS = str.maketrans(
    dict.fromkeys(" \t\u00a0\u200c-\u2010\u2011\u2012\u2013\u2014\u2212" + BIDI_MARKS)
)
_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_SAME_DIGITS = frozenset(d * 10 for d in "0123456789")

MESSAGES = {
    "required": _("Enter the 10-digit national code."),
    "not_digits": _("A national code may contain only digits."),
    "length": _("A national code must have 10 digits (%(count)s were entered)."),
    "same_digits": _("A national code cannot be one digit repeated ten times."),
    "check_digit": _("This national code is not valid: its last digit (the check digit) does not match."),
}


def _check_digit(first9: str) -> int:
    s = sum(int(d) * w for d, w in zip(first9, _WEIGHTS, strict=True)) % 11
    return s if s < 2 else 11 - s


def _digits(value) -> str:
    """The value as a string of characters with separators removed (not yet checked)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # a spreadsheet cell read as a number
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return to_latin_digits(str(value)).translate(_SEPARATORS)


def _problem(code: str) -> str | None:
    """The error code for a separator-free string, or None when it is a valid national code."""
    if not code:
        return "required"
    if not code.isascii() or not code.isdigit():
        return "not_digits"
    if not 8 <= len(code) <= 10:
        return "length"
    code = code.zfill(10)
    if code in _SAME_DIGITS:
        return "same_digits"
    if int(code[9]) != _check_digit(code[:9]):
        return "check_digit"
    return None


def normalize_national_code(value) -> str:
    """The national code as 10 ASCII digits, or :class:`ValidationError` saying what is wrong.

    Accepts Persian/Arabic digits, spaces and dashes (``۰۰۱-۲۳۴۵۶۷-۸``), and numbers whose
    leading zeros a spreadsheet dropped (8 or 9 digits). Error codes: ``required``,
    ``not_digits``, ``length``, ``same_digits``, ``check_digit``.
    """
    code = _digits(value)
    problem = _problem(code)
    if problem is None:
        return code.zfill(10)
    params = {"count": localized_digits(len(code))} if problem == "length" else None
    raise ValidationError(MESSAGES[problem], code=problem, params=params)


def is_valid_national_code(value) -> bool:
    """True when :func:`normalize_national_code` would accept the value (no exception cost)."""
    return _problem(_digits(value)) is None


def national_code_check_digit(first9: str) -> int:
    """The check digit (0–9) for the first nine digits of a national code."""
    first9 = to_latin_digits(str(first9)).strip()
    if len(first9) != 9 or not first9.isascii() or not first9.isdigit():
        raise ValueError(f"expected exactly 9 digits, got {first9!r}")
    return _check_digit(first9)


def make_national_code(first9) -> str:
    """A valid 10-digit national code made of ``first9`` (str, or int left-padded to 9 digits)
    and its check digit. Raises ValueError when the result would be refused anyway because all
    ten digits are the same (``000000000`` → ``0000000000``, ``111111111`` → ``1111111111``…).
    """
    if isinstance(first9, int) and not isinstance(first9, bool):
        if not 0 <= first9 <= 999_999_999:
            raise ValueError(f"expected a number of at most 9 digits, got {first9}")
        first9 = str(first9).zfill(9)
    first9 = to_latin_digits(str(first9)).strip()
    code = first9 + str(national_code_check_digit(first9))
    if code in _SAME_DIGITS:
        raise ValueError(f"{code} is one digit repeated, which is never a valid national code")
    return code


def random_national_code(rng: random.Random) -> str:
    """A random valid national code, for demo data and tests (pass a seeded ``random.Random``)."""
    while True:
        first9 = str(rng.randrange(1_000_000_000)).zfill(9)
        code = first9 + str(_check_digit(first9))
        if code not in _SAME_DIGITS:
            return code
