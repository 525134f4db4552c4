"""One rule for people's names, whoever types them: the web forms and the API (through the registry
services) and the bulk importer (cell by cell) all call :func:`clean_person_name`.

A name is stored as typed, tidied by :func:`~mahalleh.core.persian.clean_text`; it may not start
like a spreadsheet formula (``=HYPERLINK(…)``, ``@cmd``, ``+cmd|…``), because the registry is
exported to spreadsheets and shared, and it may not be longer than the column.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mahalleh.core.persian import clean_text, to_latin_digits

NAME_MAX_LENGTH = 100
_NUMBERISH = re.compile(r"[\d\s().\-]*")


def looks_like_formula(text: str) -> bool:
    """True for a cell a spreadsheet would run: ``=SUM(…)``, ``@cmd``, ``+cmd|…``, ``-2+3``.

    A leading + or - followed only by digits, spaces, dots, dashes and parentheses is a number or a
    phone (``+98 912 …``, ``-12``), and a lone ``-`` is the usual "nothing here"; neither is refused.
    """
    if not text:
        return False
    first = text[0]
    if first in "=@":
        return len(text) > 1
    if first in "+-":
        rest = to_latin_digits(text[1:])
        return not _NUMBERISH.fullmatch(rest)
    return False


FORMULA_MESSAGE = _(
    "A name cannot start like a spreadsheet formula (=, +, -, @ followed by more): type the name itself."
)


def clean_person_name(value, *, max_length: int = NAME_MAX_LENGTH) -> str:
    """The name as it will be stored, or ValidationError with code "formula" or "too_long"."""
    text = clean_text(value)
    if looks_like_formula(text):
        raise ValidationError(FORMULA_MESSAGE, code="formula")
    if len(text) > max_length:
        raise ValidationError(
            _("Too long: at most %(max)s characters."), code="too_long", params={"max": max_length}
        )
    return text
