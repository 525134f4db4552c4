"""Checking one row at a time, in plain Python (no database): the rules of ``services._clean_person_fields``
plus what only a spreadsheet can get wrong (formulas, unknown values, misplaced columns).

A row becomes a *stage tuple* (the columns of :data:`STAGE_COLUMNS`) and a list of errors
``(row, column index, code, value, params)``. Rows with errors are staged too, with what could be
read, because the rules that look across rows (the household's neighbourhood, duplicate national
codes) need them; only rows without any error are ever written to the registry.
"""

from __future__ import annotations

import datetime
import operator
import re

from django.core.exceptions import ValidationError

from mahalleh.core.jalali import from_jalali, parse_date
from mahalleh.core.names import clean_person_name, looks_like_formula
from mahalleh.core.national_code import normalize_national_code
from mahalleh.core.persian import clean_text, search_key, to_latin_digits
from mahalleh.core.phone import normalize_mobile
from mahalleh.registry.importer.columns import COLUMNS, REQUIRED_KEYS, fold, header_index, value_index
from mahalleh.registry.importer.messages import ImportFileError
from mahalleh.registry.importer.readers import cell_text

# The columns of the staging table, in the order the row parser fills them.
STAGE_COLUMNS = (
    "row_no", "hh_key", "is_head", "ok", "nb_id", "address", "addr_key", "phone", "tenure", "income",
    "id_type", "national_code", "document_number", "first_name", "last_name", "father_name", "father_key",
    "name_key", "sex", "birth_date", "relation", "nationality", "education", "school_enrolled",
    "employment", "disability", "insurance", "mobile",
)  # fmt: skip

MAX_VALUE = 200  # characters of a bad value kept in the report
_PHONE = re.compile(r"\+?\d{4,20}")
_PHONE_STRIP = str.maketrans(dict.fromkeys(" \t\u00a0-–—().\u200c\u200e\u200f"))
EARLIEST_BIRTH = datetime.date(1900, 1, 1)


class Header:
    """Which column of the file is which field."""

    def __init__(self, cells: list, *, default_neighbourhood: int | None = None):
        self.names = [cell_text(c).strip() for c in cells]
        index = header_index()
        self.mapping: dict[str, int] = {}
        self.ignored: list[str] = []
        for i, name in enumerate(self.names):
            if not name:
                continue
            key = index.get(fold(name))
            if key is None:
                self.ignored.append(name)
                continue
            if key in self.mapping:
                raise ImportFileError("duplicate_columns", column=name)
            self.mapping[key] = i
        # An office with one neighbourhood needs no neighbourhood column: every household is there.
        optional = {"neighbourhood"} if default_neighbourhood is not None else set()
        missing = [k for k in REQUIRED_KEYS if k not in self.mapping and k not in optional]
        if missing:
            raise ImportFileError("missing_columns", columns=missing)
        # The language the file is written in (its headers), for the accepted values an error lists.
        persian = sum(1 for i in self.mapping.values() if not self.names[i].isascii())
        self.language = "fa" if persian * 2 >= len(self.mapping) else "en"

    def name(self, col: int) -> str:
        return self.names[col] if 0 <= col < len(self.names) else ""


class Neighbourhoods:
    """Neighbourhood codes of the whole system (to tell "unknown" from "another office's"), and names
    of the office's own neighbourhoods."""

    def __init__(self, office_id: int, *, default: int | None = None):
        from mahalleh.geo.models import Neighbourhood

        self.by_code: dict[str, tuple[int, int | None]] = {}
        self.own_names: dict[str, int] = {}
        self.code_of: dict[int, str] = {}
        for pk, code, office, name_fa, name_en in Neighbourhood.objects.values_list(
            "pk", "code", "office_id", "name_fa", "name_en"
        ):
            self.by_code[self._code(code)] = (pk, office)
            self.code_of[pk] = code
            if office == office_id:
                for name in (name_fa, name_en):
                    if name:
                        self.own_names.setdefault(fold(name), pk)
        self.office_id = office_id
        own = {pk for pk, office in self.by_code.values() if office == office_id}
        # Where a household that names no neighbourhood goes (issue 8.5): the one chosen on upload,
        # else the office's only one. The stage applies it per household, not per row, so the rows of
        # a household that names its neighbourhood in one row only stay together.
        if default is not None:
            if default not in own:  # no longer the office's since the upload: refuse the file
                raise ImportFileError("default_neighbourhood_not_yours", value=self.code_of.get(default, ""))
            self.default: int | None = default
        else:
            self.default = own.pop() if len(own) == 1 else None

    @staticmethod
    def _code(text: str) -> str:
        return to_latin_digits(text).strip().upper()

    def resolve(self, text: str) -> tuple[int | None, str | None]:
        """(neighbourhood id, None) or (None, error code)."""
        found = self.by_code.get(self._code(text))
        if found is not None:
            pk, office = found
            return (pk, None) if office == self.office_id else (None, "neighbourhood_not_yours")
        pk = self.own_names.get(fold(text))
        if pk is not None:
            return pk, None
        return None, "neighbourhood_unknown"


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


class CellError(Exception):
    """What is wrong with one cell: an error code and its parameters."""

    def __init__(self, code: str, params: dict | None = None):
        super().__init__(code)
        self.code = code
        self.params = params


def _clean(v: str) -> str:
    # clean_text's result, without its work for the usual already-clean cell: a printable string
    # holds no control, bidi, invisible or ZWNJ characters and no whitespace but the ASCII space.
    if v.isprintable() and "  " not in v:
        return v
    return clean_text(v)


_CHECK_WEIGHTS_SUM = 48 * 54  # ord("0") times the sum of the weights 10…2


def _national_code(v: str) -> str:
    if len(v) == 10 and v.isdigit() and v.isascii():
        # The usual case, inline (a million rows make this worth it): see core.national_code.
        b = v.encode()
        s = (b[0] * 10 + b[1] * 9 + b[2] * 8 + b[3] * 7 + b[4] * 6 + b[5] * 5 + b[6] * 4 + b[7] * 3 + b[8] * 2
             - _CHECK_WEIGHTS_SUM) % 11  # fmt: skip
        if b[9] - 48 == (s if s < 2 else 11 - s) and v != v[0] * 10:
            return v
    try:
        return normalize_national_code(v)
    except ValidationError as exc:
        count = len(to_latin_digits(v).replace(" ", "").replace("-", ""))
        raise CellError(f"national_code.{exc.code}", {"count": count}) from None


def _name(v: str) -> str:
    try:
        return clean_person_name(_clean(v))
    except ValidationError as exc:
        raise CellError(exc.code, exc.params) from None


def _mobile(v: str) -> str | None:
    if len(v) == 11 and v.startswith("09") and v.isdigit() and v.isascii():
        return v
    try:
        return normalize_mobile(v) or None
    except ValidationError as exc:
        raise CellError(f"mobile.{exc.code}") from None


def _phone(v: str) -> str:
    compact = to_latin_digits(v).translate(_PHONE_STRIP)
    if _PHONE.fullmatch(compact):
        return compact
    raise CellError("phone_invalid")


_CACHE_LIMIT = 200_000

_PLAIN_JALALI = re.compile(r"(1[3-6]\d\d)/(\d\d?)/(\d\d?)")


def _plain_jalali(v: str) -> datetime.date | None:
    """A valid Jalali date typed the usual way (``1365/1/17``, Latin digits) as core.jalali.parse_date
    reads it, without its normalising and messages; None for anything else, which parse_date then
    reads and explains."""
    match = _PLAIN_JALALI.fullmatch(v)
    if match is None:
        return None
    try:
        return from_jalali(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


class _Mark:
    """What a cell comes to when it is no value, as remembered in a column's cache: blank, a dash,
    or an error (code, value as reported, params). A value is never of this class, so telling a
    value from the rest costs one check in the hot loop."""

    __slots__ = ("error",)

    def __init__(self, error: tuple | None):
        self.error = error


_BLANK = _Mark(None)  # nothing but spaces: as if empty
_DASH = _Mark(None)  # "-": a placeholder for "nothing", but the row is not empty


_SLOT = {c.key: i for i, c in enumerate(COLUMNS)}
_REQUIRED_SLOTS = tuple((_SLOT[k], k) for k in REQUIRED_KEYS if k != "neighbourhood")


class RowParser:
    """Turns the cells of one row into a stage tuple and its errors.

    Every column has a handler that returns the stored value or raises :class:`CellError`; values
    that repeat (choices, names, dates, neighbourhoods) are looked up in per-column caches first,
    so a large file costs a few microseconds a row.
    """

    def __init__(
        self, header: Header, neighbourhoods: Neighbourhoods, *, today: datetime.date, iso_dates: bool
    ):
        self.header = header
        self.neighbourhoods = neighbourhoods
        self.today = today
        self.iso_dates = iso_dates
        self.col = header.mapping.get
        uncached = {"household_key": self._household_key, "national_code": _national_code, "mobile": _mobile}
        special = {"neighbourhood": self._neighbourhood, "phone": _phone, "birth_date": self._date}
        # The one rule for names that the forms and the API use too (core.names).
        special.update(dict.fromkeys(("first_name", "last_name", "father_name"), _name))
        # (slot, column index, cache, handler) of the columns whose values repeat, and (slot, column
        # index, handler) of those unique per row (a cache would only grow).
        self.cached: list[tuple] = []
        self.uncached: list[tuple] = []
        for column in COLUMNS:
            if column.key not in header.mapping:
                continue
            slot, i = _SLOT[column.key], header.mapping[column.key]
            if column.key in uncached:
                self.uncached.append((slot, i, uncached[column.key]))
                continue
            handler = special.get(column.key)
            if handler is None:
                if column.kind in ("choice", "bool"):
                    handler = self._choice(column.key)
                else:
                    handler = self._text(column.max_length)
            self.cached.append((slot, i, {}, handler))
        # Rows shorter than the header (Excel leaves out trailing empty cells) are padded to this.
        self.width = max(header.mapping.values()) + 1
        self._padding = [""] * self.width
        self._required = tuple((slot, header.mapping[key]) for slot, key in _REQUIRED_SLOTS)
        self._required_values = operator.itemgetter(*(slot for slot, _key in _REQUIRED_SLOTS))
        self.has_code_column = "national_code" in header.mapping
        self.has_document_column = "document_number" in header.mapping
        self._keys: dict[str, str] = {}

    # -- handlers

    def _key(self, name: str) -> str:
        """search_key of a name, remembered (names repeat a lot in a census file)."""
        if len(self._keys) > _CACHE_LIMIT:
            self._keys.clear()
        key = self._keys[name] = search_key(name)
        return key

    @staticmethod
    def _fill(cache: dict, handler, v: str):
        """What a cell holding ``v`` (as read, unstripped) comes to, remembered: the stored value,
        :data:`_BLANK`, :data:`_DASH` or a :class:`_Mark` holding the error."""
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        text = v.strip()
        if not text:
            found = _BLANK
        elif text[0] in "=+-@" and text == "-":
            found = _DASH
        elif text[0] in "=+-@" and looks_like_formula(text):
            found = _Mark(("formula", text[:MAX_VALUE], None))
        else:
            try:
                found = handler(text)
            except CellError as exc:
                found = _Mark((exc.code, text[:MAX_VALUE], exc.params))
        cache[v] = found
        return found

    @staticmethod
    def _text(limit):
        def text(v: str):
            v = _clean(v)
            if limit and len(v) > limit:
                raise CellError("too_long", {"max": limit})
            return v

        return text

    def _choice(self, key: str):
        index = value_index(key)
        language = self.header.language

        def choice(v: str):
            try:
                return index[fold(v)]
            except KeyError:
                params = {"column": key, "value": v[:MAX_VALUE], "lang": language}
                raise CellError("bad_choice", params) from None

        return choice

    @staticmethod
    def _household_key(v: str) -> str:
        if not (v.isascii() and v.isprintable() and "  " not in v):
            v = to_latin_digits(clean_text(v))
        if len(v) > 64:
            raise CellError("too_long", {"max": 64})
        return v

    def _neighbourhood(self, v: str) -> int:
        pk, problem = self.neighbourhoods.resolve(v)
        if problem:
            raise CellError(problem, {"value": v[:MAX_VALUE]})
        return pk

    def _date(self, v: str) -> datetime.date:
        birth = _plain_jalali(v)
        if birth is None:
            try:
                birth = parse_date(v)
            except ValidationError as exc:
                raise CellError(f"date.{exc.code or 'invalid'}") from None
        return self._check_birth(birth)

    def _date_cell(self, row_no: int, i: int, v: datetime.date, vals: list, errors: list) -> None:
        """A birth date typed as an Excel date."""
        v = v.date() if isinstance(v, datetime.datetime) else v
        try:
            vals[_BIRTH] = self._check_birth(v)
        except CellError as exc:
            errors.append((row_no, i, exc.code, v.isoformat(), exc.params))

    def _check_birth(self, birth: datetime.date) -> datetime.date:
        if birth > self.today:
            raise CellError("birth_future")
        if birth < EARLIEST_BIRTH:
            raise CellError("birth_too_old")
        return birth

    # -- the row

    def parse(self, row_no: int, cells: list):
        """(stage tuple, errors), or None for an empty row."""
        if len(cells) < self.width:
            cells = [*cells, *self._padding[len(cells) :]]
        vals = [None] * len(COLUMNS)
        errors: list[tuple] = []
        seen = False
        # The hot loop (22 cells a row, most of them seen before): one cache look-up per cell.
        for slot, i, cache, handler in self.cached:
            v = cells[i]
            if v.__class__ is not str:
                if v is None:
                    continue
                if slot == _BIRTH and isinstance(v, datetime.date):
                    seen = True
                    self._date_cell(row_no, i, v, vals, errors)
                    continue
                v = cell_text(v)
            if not v:
                continue
            try:
                found = cache[v]
            except KeyError:
                found = self._fill(cache, handler, v)
            if found.__class__ is not _Mark:
                vals[slot] = found
                seen = True
            elif found is not _BLANK:
                seen = True
                if found.error:
                    errors.append((row_no, i, *found.error))
        for slot, i, handler in self.uncached:
            v = cells[i]
            if v.__class__ is not str:
                if v is None:
                    continue
                v = cell_text(v)
            if not v:
                continue
            v = v.strip()
            if not v:
                continue
            seen = True
            if v[0] in "=+-@":
                if v == "-":
                    continue
                if looks_like_formula(v):
                    errors.append((row_no, i, "formula", v[:MAX_VALUE], None))
                    continue
            try:
                vals[slot] = handler(v)
            except CellError as exc:
                errors.append((row_no, i, exc.code, v[:MAX_VALUE], exc.params))
        if not seen:
            return None
        col = self.col
        bad = {e[1] for e in errors} if errors else ()
        if None in self._required_values(vals):
            for slot, i in self._required:
                if vals[slot] is None and i not in bad:
                    errors.append((row_no, i, "required", "", None))
        (hh_key, nb_id, address, phone, tenure, income, relation, first_name, last_name, father_name, sex,
         birth, id_type, code, document, nationality, education, school, employment, disability, insurance,
         mobile) = vals  # fmt: skip

        # identity: a national code means an Iranian national code; a card number alone, a foreign card
        if code is not None:
            if id_type is not None and id_type != "national_code":
                errors.append(
                    (row_no, col("national_code"), "code_with_other_id_type", code, {"id_type": id_type})
                )
            id_type = "national_code"
        elif id_type == "national_code":
            if col("national_code") not in bad:
                where = col("national_code") if self.has_code_column else col("id_type")
                errors.append((row_no, where, "national_code_required", "", None))
        # A card or passport number not at hand is no reason to leave a resident out: the row is
        # imported, the job lists it as a warning and the person's page asks for the number (8.5).
        elif id_type is None and document is not None:
            id_type = "foreign_id"
        if school is not None and birth is not None and not 6 <= _age(birth, self.today) <= 18:
            school = None  # as the services do: enrolment is only recorded for ages 6 to 18
        keys = self._keys
        name_key = None
        if first_name and last_name:
            k1 = keys.get(first_name) or self._key(first_name)
            k2 = keys.get(last_name) or self._key(last_name)
            name_key = k1 + k2
        father_key = (keys.get(father_name) or self._key(father_name)) if father_name else None
        if birth is not None and self.iso_dates:
            birth = birth.isoformat()
        stage = (
            row_no, hh_key, 1 if relation == "head" else 0, 0 if errors else 1, nb_id,
            address, search_key(address) if address else None, phone, tenure, income,
            id_type, code, document, first_name, last_name, father_name,
            father_key, name_key, sex, birth, relation,
            nationality, education, school, employment, disability, insurance, mobile,
        )  # fmt: skip
        if len(errors) > 1:
            errors.sort(key=lambda e: e[1])
        return stage, errors


_BIRTH = _SLOT["birth_date"]
_NB = _SLOT["neighbourhood"]
