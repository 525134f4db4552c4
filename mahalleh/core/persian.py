"""Persian text helpers: digits, the search key of DESIGN §4, and cleaning of typed text.

Everything here is pure Python (no database; only ``localized_digits`` looks at Django's
active language, when it is shown) and table driven: each function is
one or two ``str.translate`` calls, so it can run on millions of rows during an import.
"""

import re
import unicodedata

from django.utils.functional import lazy
from django.utils.translation import get_language

__all__ = [
    "ARABIC_DIGITS",
    "BIDI_MARKS",
    "PERSIAN_DIGITS",
    "ZWNJ",
    "clean_text",
    "localized_digits",
    "search_key",
    "to_latin_digits",
    "to_persian_digits",
]

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"  # U+06F0 … U+06F9
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"  # U+0660 … U+0669
LATIN_DIGITS = "0123456789"

ZWNJ = "\u200c"
ZWJ = "\u200d"

#: Invisible direction marks that sneak in when text is copied from RTL documents.
BIDI_MARKS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

#: Other invisible characters that carry no meaning in a name: zero width space, word
#: joiner, byte order mark, soft hyphen.
_INVISIBLE = "\u200b\u2060\ufeff\u00ad"

_TO_LATIN = str.maketrans(PERSIAN_DIGITS + ARABIC_DIGITS, LATIN_DIGITS * 2)
_TO_PERSIAN = str.maketrans(LATIN_DIGITS, PERSIAN_DIGITS)


def _text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def to_latin_digits(s: str) -> str:
    """Persian (۰-۹) and Arabic-Indic (٠-٩) digits to ASCII digits; everything else unchanged."""
    return _text(s).translate(_TO_LATIN)


def to_persian_digits(s) -> str:
    """ASCII digits to Persian digits. Accepts int, float or str; other characters are kept."""
    return _text(s).translate(_TO_PERSIAN)


def _localized_digits(value) -> str:
    language = get_language() or ""
    return to_persian_digits(value) if language.startswith("fa") else _text(value)


#: ``localized_digits(value)``: a lazy string of the value with Persian digits when the active
#: language is Persian, evaluated when shown. For numbers inside translated messages.
localized_digits = lazy(_localized_digits, str)


# --------------------------------------------------------------------------- search key


def _build_search_table() -> dict[int, str]:
    """The translate table of :func:`search_key`, built once at import.

    Every value of the table is *stable*: it contains no key of the table and does not change
    under ``str.casefold``. That is what makes ``search_key`` idempotent.
    """
    letters = {
        "ي": "ی",  # U+064A Arabic yeh
        "ى": "ی",  # U+0649 alef maksura
        "ئ": "ی",  # U+0626 yeh with hamza (= ي + U+0654, whose hamza is dropped below)
        "ې": "ی",  # U+06D0
        "ك": "ک",  # U+0643 Arabic kaf
        "ڪ": "ک",  # U+06AA swash kaf
        "ة": "ه",  # U+0629 teh marbuta
        "ۀ": "ه",  # U+06C0 heh with yeh above (= ه + U+0654)
        "ہ": "ه",  # U+06C1 heh goal
        "ۂ": "ه",  # U+06C2
        "ە": "ه",  # U+06D5 ae
        "أ": "ا",  # U+0623 (= ا + U+0654)
        "إ": "ا",  # U+0625 (= ا + U+0655)
        "ٱ": "ا",  # U+0671 alef wasla
        "آ": "ا",  # U+0622 (= ا + U+0653); folded so that both spellings of آ agree
        "ؤ": "و",  # U+0624 (= و + U+0654)
    }
    removed = set(BIDI_MARKS + _INVISIBLE + ZWNJ + ZWJ + "\u0640")  # U+0640 tatweel
    removed.update(chr(c) for c in range(0x064B, 0x0660))  # harakat, shadda, sukun, hamza marks
    removed.add("\u0670")  # superscript alef
    removed.update(chr(c) for c in range(0x06D6, 0x06EE) if unicodedata.category(chr(c)) == "Mn")
    removed.update(chr(c) for c in range(0x3001) if chr(c).isspace())  # all whitespace is < U+3001

    base: dict[str, str] = dict.fromkeys(removed, "")
    base.update(letters)
    base.update(zip(PERSIAN_DIGITS + ARABIC_DIGITS, LATIN_DIGITS * 2, strict=True))

    # Arabic presentation forms (text copied from old PDFs) and full-width ASCII: use their
    # compatibility decomposition, e.g. U+FEF3 "ﻳ" <initial> U+064A → "ی".
    compat = [*range(0xFB50, 0xFE00), *range(0xFE70, 0xFEFF), *range(0xFF01, 0xFF5F)]
    for code in compat:
        char = chr(code)
        decomposition = unicodedata.normalize("NFKC", char)
        if decomposition != char:
            base.setdefault(char, decomposition)

    def settle(text: str) -> str:
        # Apply the base mapping and casefold until nothing changes any more.
        for _ in range(5):
            new = "".join(base.get(ch, ch) for ch in text.casefold())
            if new == text:
                return new
            text = new
        raise AssertionError(f"search table does not settle for {text!r}")  # pragma: no cover

    return {ord(char): settle(target) for char, target in base.items()}


_SEARCH_TABLE = _build_search_table()


def search_key(s: str) -> str:
    """The folded form of a name used for searching (DESIGN §4).

    Arabic ي ى ك ة (and hamza-carrying letters) become their Persian base letters, Persian and
    Arabic digits become ASCII, diacritics, tatweel, bidi marks, ZWNJ/ZWJ and all whitespace
    are removed, and Latin letters are case-folded. So ``محمدرضا``, ``محمد رضا``,
    ``محمد‌رضا`` (ZWNJ) and ``محمدرضا`` with Arabic yeh all give the same key, as do
    ``تحریمها``, ``تحریم‌ها`` and ``تحریم ها``. Empty or ``None`` gives ``""``.
    """
    text = _text(s)
    if not text:
        return ""
    return text.casefold().translate(_SEARCH_TABLE)


# --------------------------------------------------------------------------- clean text

_STRIP_TABLE = str.maketrans(dict.fromkeys(BIDI_MARKS + _INVISIBLE))
_SPACES = re.compile(r"\s+")
_LINE_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# A ZWNJ is only meaningful between two letters: drop repeats and ones that touch a space or
# an end of the text.
_STRAY_ZWNJ = re.compile(r"\u200c(?=\s|\Z)|(?<=\s)\u200c|\A\u200c")
_REPEATED_ZWNJ = re.compile(r"\u200c{2,}")


def clean_text(s, *, multiline: bool = False) -> str:
    """Text as typed, tidied for storage.

    Bidi marks and other invisible characters (zero width space, BOM, soft hyphen) are
    removed, runs of whitespace become one space, and the ends are stripped. Letters are kept
    as typed (Arabic yeh stays Arabic yeh) and so is every meaningful ZWNJ; only ZWNJs that
    touch a space or an end are dropped. With ``multiline=True`` line breaks are kept
    (at most one blank line in a row) and each line is tidied on its own.
    """
    text = _text(s).translate(_STRIP_TABLE)
    if not text:
        return ""
    if ZWNJ in text:
        # Before whitespace is collapsed, so removing a ZWNJ can never leave two spaces.
        text = _REPEATED_ZWNJ.sub(ZWNJ, text)
        text = _STRAY_ZWNJ.sub("", text)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = _LINE_SPACES.sub(" ", text)
        text = "\n".join(line.strip() for line in text.split("\n"))
        text = _BLANK_LINES.sub("\n\n", text)
    else:
        text = _SPACES.sub(" ", text)
    return text.strip()
