"""Iranian mobile numbers, normalised to ``09xxxxxxxxx`` (DESIGN §4)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mahalleh.core.persian import BIDI_MARKS, to_latin_digits

__all__ = ["is_valid_mobile", "normalize_mobile"]

#: What people type between the digits: spaces, dashes, dots, parentheses, bidi marks.
_SEPARATORS = str.maketrans(
    dict.fromkeys(" \t\u00a0\u200c-\u2010\u2011\u2012\u2013\u2014\u2212.()" + BIDI_MARKS)
)

MESSAGES = {
    "invalid_characters": _(
        "A mobile number may contain only digits, spaces, dashes, parentheses and a leading +."
    ),
    "foreign": _("Only Iranian mobile numbers (starting with +98) are accepted."),
    "length": _("An Iranian mobile number has 11 digits, for example 09121234567."),
    "not_mobile": _("This is not a mobile number: Iranian mobile numbers start with 09."),
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # a spreadsheet cell read as a number
        value = int(value)
    return to_latin_digits(str(value)).translate(_SEPARATORS)


def _normalize(text: str) -> tuple[str, str | None]:
    """(``09…`` number, None) or ("", error code) for a separator-free string."""
    plus = text.startswith("+")
    digits = text[1:] if plus else text
    if not digits.isascii() or not digits.isdigit():
        return "", "invalid_characters"
    if plus or digits.startswith("00"):
        international = digits if plus else digits[2:]
        if not international.startswith("98"):
            return "", "foreign"
        digits = international[2:]
    elif len(digits) == 12 and digits.startswith("98"):  # 98 912 … without + or 00
        digits = digits[2:]
    if digits.startswith("0"):  # 0912 …, also +98 0912 …
        digits = digits[1:]
    if len(digits) != 10:
        return "", "length"
    if digits[0] != "9":
        return "", "not_mobile"
    return "0" + digits, None


def normalize_mobile(value) -> str:
    """An Iranian mobile number as ``09xxxxxxxxx``; ``""`` for an empty value (optional field).

    Accepts Persian/Arabic digits, spaces, dashes, dots and parentheses, and the spellings
    ``+98 912 …``, ``0098 912 …``, ``98912…``, ``912…`` and ``0912…``. Anything else raises
    :class:`ValidationError` with code ``invalid_characters``, ``foreign``, ``length`` or
    ``not_mobile``.
    """
    text = _text(value)
    if not text:
        return ""
    number, problem = _normalize(text)
    if problem:
        raise ValidationError(MESSAGES[problem], code=problem)
    return number


def is_valid_mobile(value) -> bool:
    """True when the value is a non-empty Iranian mobile number in any accepted spelling."""
    text = _text(value)
    return bool(text) and _normalize(text)[1] is None
