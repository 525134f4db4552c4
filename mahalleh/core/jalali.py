"""The Jalali (Solar Hijri) calendar: month names, parsing, formatting and reporting periods.

Dates are stored Gregorian (DESIGN §4) and only shown and typed as Jalali; this module is the
one place that converts between the two (through ``jdatetime``). Reporting periods (month,
season, year) are Jalali: season 1 (spring) is Farvardin–Khordad, and so on.
"""

import calendar
import datetime
import functools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import jdatetime
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mahalleh.core.persian import BIDI_MARKS, localized_digits, to_latin_digits, to_persian_digits

__all__ = [
    "GREGORIAN_FROM_YEAR",
    "KINDS",
    "MONTH_NAMES_EN",
    "MONTH_NAMES_FA",
    "SEASON_NAMES_EN",
    "SEASON_NAMES_FA",
    "TEHRAN",
    "Period",
    "days_in_month",
    "format_jalali",
    "format_jalali_long",
    "from_jalali",
    "is_leap",
    "local_date",
    "month_name",
    "parse_date",
    "periods_between",
    "season_name",
    "to_jalali",
]

TEHRAN = ZoneInfo("Asia/Tehran")

MONTH_NAMES_FA = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
MONTH_NAMES_EN = (
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
)
SEASON_NAMES_FA = ("بهار", "تابستان", "پاییز", "زمستان")
SEASON_NAMES_EN = ("Spring", "Summer", "Autumn", "Winter")

# Gregorian month names, only used in error messages about ISO dates.
_GREGORIAN_MONTHS_FA = (
    "ژانویه",
    "فوریه",
    "مارس",
    "آوریل",
    "مه",
    "ژوئن",
    "ژوئیه",
    "اوت",
    "سپتامبر",
    "اکتبر",
    "نوامبر",
    "دسامبر",
)
_GREGORIAN_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

#: A typed year at or above this is Gregorian (ISO ``2023-07-25``); below it, Jalali.
GREGORIAN_FROM_YEAR = 1700

KINDS = ("month", "season", "year")


def _is_persian(lang: str | None) -> bool:
    if lang is None:
        lang = get_language() or ""
    return lang.lower().startswith("fa")


def month_name(month: int, lang: str | None = "fa") -> str:
    """The Jalali month's name: ``month_name(5)`` → مرداد, ``month_name(5, "en")`` → Mordad.
    ``lang=None`` means the active Django language."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1–12, got {month}")
    return (MONTH_NAMES_FA if _is_persian(lang) else MONTH_NAMES_EN)[month - 1]


def season_name(season: int, lang: str | None = "fa") -> str:
    """The season's name: 1 → بهار / Spring … 4 → زمستان / Winter."""
    if not 1 <= season <= 4:
        raise ValueError(f"season must be 1–4, got {season}")
    return (SEASON_NAMES_FA if _is_persian(lang) else SEASON_NAMES_EN)[season - 1]


def _month_name_active(month: int, gregorian: bool) -> str:
    if gregorian:
        return (_GREGORIAN_MONTHS_FA if _is_persian(None) else _GREGORIAN_MONTHS_EN)[month - 1]
    return month_name(month, None)


# The month's name in the language active when the message is shown, not when it was made.
_lazy_month_name = lazy(_month_name_active, str)


# --------------------------------------------------------------------------- conversion


def is_leap(jalali_year: int) -> bool:
    """True when the Jalali year has 366 days (Esfand has 30 days), e.g. 1403."""
    return jdatetime.date(jalali_year, 1, 1).isleap()


def days_in_month(jalali_year: int, month: int) -> int:
    """31 for months 1–6, 30 for months 7–11, 29 or 30 (leap year) for Esfand."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1–12, got {month}")
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if is_leap(jalali_year) else 29


def local_date(d: datetime.date) -> datetime.date:
    """The calendar date of ``d``: an aware datetime is taken in Tehran time first."""
    if isinstance(d, datetime.datetime):
        if d.tzinfo is not None and d.utcoffset() is not None:
            d = d.astimezone(TEHRAN)
        return d.date()
    return d


def day_bounds(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants from the start of ``first`` (inclusive) to the start of the day after ``last``
    (exclusive) in the current time zone: the rows ``created_at__date__range=(first, last)`` selects,
    as a plain comparison on the column. The ``__date`` form casts every row's value, so no index on
    the column can serve it."""
    from django.utils import timezone

    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return start, end


def on_days(field: str, first: datetime.date, last: datetime.date):
    """A filter for rows whose timestamp ``field`` falls on one of the days first..last (Tehran
    time): the half-open range of :func:`day_bounds` on the column, which its indexes serve."""
    from django.db.models import Q

    start, end = day_bounds(first, last)
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def to_jalali(d: datetime.date) -> jdatetime.date:
    """The Jalali date of a Gregorian date (aware datetimes: in Tehran time)."""
    return jdatetime.date.fromgregorian(date=local_date(d))


@functools.cache
def _first_of_year(jalali_year: int) -> datetime.date:
    return jdatetime.date(jalali_year, 1, 1).togregorian()


def from_jalali(year: int, month: int, day: int) -> datetime.date:
    """The Gregorian date of a Jalali date; ValueError if it does not exist.

    Counted from the year's 1 Farvardin (remembered per year): six months of 31 days, then 30. An
    import of a census file converts tens of thousands of distinct birth dates, and a jdatetime for
    each cost about 10 µs."""
    if not 1 <= day <= days_in_month(year, month):
        raise ValueError(f"day must be 1–{days_in_month(year, month)} in {year}/{month}, got {day}")
    before = (month - 1) * 31 if month <= 7 else 186 + (month - 7) * 30
    return _first_of_year(year) + datetime.timedelta(days=before + day - 1)


# --------------------------------------------------------------------------- parsing

PARSE_MESSAGES = {
    "required": _("Enter a date."),
    "invalid": _("Enter a date as year/month/day, for example 1402/05/03."),
    "year_first": _("Write the year first, as year/month/day, for example 1402/05/03."),
    "invalid_month": _("%(date)s is not a date: months run from 1 to 12."),
    "invalid_day": _("%(date)s is not a date: %(month)s %(year)s has %(days)s days."),
    "not_leap_year": _(
        "%(date)s is not a date: %(month)s %(year)s has %(days)s days because %(year)s is not a leap year."
    ),
}

# Everything people use between year, month and day, mapped to "/"; whitespace and bidi
# marks are dropped (so "1402 05 03" reads as the compact 14020503).
_PARSE_TABLE = str.maketrans(
    {
        **dict.fromkeys("-.\\\u066b\u060c\u060d\u2044\u2215\uff0f\u2010\u2011\u2012\u2013\u2212", "/"),
        **dict.fromkeys(BIDI_MARKS + "\u200c\u200b\ufeff"),
        **{c: None for c in (chr(i) for i in range(0x3001)) if c.isspace()},
    }
)
_SEPARATED = re.compile(r"(\d+)/(\d+)/(\d+)")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


def _error(code: str, **params) -> ValidationError:
    return ValidationError(PARSE_MESSAGES[code], code=code, params=params or None)


@functools.lru_cache(maxsize=65536)
def _parse_text(text: str) -> datetime.date:
    """Parse a string already converted to Latin digits and "/" separators (cached: an import
    file repeats the same birth dates many times)."""
    if not text:
        raise _error("required")
    match = _SEPARATED.fullmatch(text) or _COMPACT.fullmatch(text)
    if match is None:
        raise _error("invalid")
    year_s, month_s, day_s = match.groups()
    if len(year_s) != 4:
        if len(day_s) == 4 and len(year_s) <= 2 and len(month_s) <= 2:
            raise _error("year_first")
        raise _error("invalid")
    if len(month_s) > 2 or len(day_s) > 2:
        raise _error("invalid")
    year, month, day = int(year_s), int(month_s), int(day_s)
    if year == 0:
        raise _error("invalid")
    gregorian = year >= GREGORIAN_FROM_YEAR
    shown = localized_digits(f"{year_s}-{month_s}-{day_s}" if gregorian else f"{year_s}/{month_s}/{day_s}")
    if not 1 <= month <= 12:
        raise _error("invalid_month", date=shown)
    if gregorian:
        days = calendar.monthrange(year, month)[1]
        leap_day = month == 2 and days == 28
    else:
        days = days_in_month(year, month)
        leap_day = month == 12 and days == 29
    if not 1 <= day <= days:
        params = {
            "date": shown,
            "month": _lazy_month_name(month, gregorian),
            "year": localized_digits(year),
            "days": localized_digits(days),
        }
        raise _error("not_leap_year" if leap_day and day == days + 1 else "invalid_day", **params)
    if gregorian:
        return datetime.date(year, month, day)
    return from_jalali(year, month, day)


def parse_date(value: str) -> datetime.date:
    """A typed date as a Gregorian :class:`datetime.date`.

    Jalali ``1402/5/3``, ``۱۴۰۲/۰۵/۰۳``, ``1402-05-03``, ``1402.05.03`` or ``14020503``, and ISO
    Gregorian ``2023-07-25`` (a year of 1700 or more is Gregorian). Persian/Arabic digits,
    spaces and bidi marks are fine anywhere. A date or datetime passes through (its Tehran
    calendar date). Raises :class:`ValidationError` with a message saying what is wrong, with
    code ``required``, ``invalid``, ``year_first``, ``invalid_month``, ``invalid_day`` or
    ``not_leap_year`` (e.g. ``1402/12/30``: Esfand 1402 has 29 days).
    """
    if isinstance(value, datetime.date):
        return local_date(value)
    if value is None:
        raise _error("required")
    return _parse_text(to_latin_digits(str(value)).translate(_PARSE_TABLE))


# --------------------------------------------------------------------------- formatting


def format_jalali(
    d: datetime.date | datetime.datetime | None, *, persian_digits: bool = True, with_time: bool = False
) -> str:
    """``۱۴۰۲/۰۵/۰۳`` (zero-padded ``YYYY/MM/DD``) for a Gregorian date; ``""`` for None.

    Aware datetimes are shown in Tehran time; ``with_time=True`` adds `` HH:MM`` for datetimes.
    """
    if d is None:
        return ""
    if isinstance(d, datetime.datetime) and d.tzinfo is not None and d.utcoffset() is not None:
        d = d.astimezone(TEHRAN)
    j = d if isinstance(d, jdatetime.date) else jdatetime.date.fromgregorian(date=local_date(d))
    text = f"{j.year:04d}/{j.month:02d}/{j.day:02d}"
    if with_time and isinstance(d, datetime.datetime):
        text += f" {d.hour:02d}:{d.minute:02d}"
    return to_persian_digits(text) if persian_digits else text


def format_jalali_long(d: datetime.date | datetime.datetime | None, lang: str | None = "fa") -> str:
    """``۳ مرداد ۱۴۰۲`` (``lang="fa"``) or ``3 Mordad 1402`` (``"en"``); ``None`` → ``""``.
    ``lang=None`` means the active Django language."""
    if d is None:
        return ""
    j = d if isinstance(d, jdatetime.date) else to_jalali(d)
    persian = _is_persian(lang)
    text = f"{j.day} {month_name(j.month, 'fa' if persian else 'en')} {j.year}"
    return to_persian_digits(text) if persian else text


# --------------------------------------------------------------------------- periods

_CODE = re.compile(r"(\d{4})(?:-(\d{1,2})|-[sS]([1-4]))?")


@dataclass(frozen=True, order=True)
class Period:
    """A Jalali reporting period: ``Period("month", 1402, 5)`` is Mordad 1402,
    ``Period("season", 1402, 2)`` is summer 1402, ``Period("year", 1402)`` is the year 1402.

    Ordering compares (kind, year, index), so sorting periods of one kind is chronological.
    """

    kind: str
    year: int
    index: int = 1

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not 1 <= self.year <= jdatetime.MAXYEAR:
            raise ValueError(f"year out of range: {self.year}")
        last = {"month": 12, "season": 4, "year": 1}[self.kind]
        if not 1 <= self.index <= last:
            raise ValueError(f"{self.kind} index must be 1–{last}, got {self.index}")

    # --- construction

    @classmethod
    def containing(cls, d: datetime.date, kind: str) -> "Period":
        """The period of the given kind that contains ``d`` (aware datetimes: Tehran date)."""
        j = to_jalali(d)
        if kind == "month":
            return cls("month", j.year, j.month)
        if kind == "season":
            return cls("season", j.year, (j.month - 1) // 3 + 1)
        return cls(kind, j.year, 1)

    @classmethod
    def current(cls, kind: str) -> "Period":
        """The period containing today in Tehran."""
        return cls.containing(datetime.datetime.now(TEHRAN).date(), kind)

    @classmethod
    def from_code(cls, code: str) -> "Period":
        """Inverse of :attr:`code`: ``1402-05``, ``1402-S2`` (or ``s2``), ``1402``; Persian
        digits accepted. ValueError for anything else."""
        match = _CODE.fullmatch(to_latin_digits(str(code)).strip())
        if match is None:
            raise ValueError(f"not a period code: {code!r}")
        year, month, season = match.groups()
        if month is not None:
            return cls("month", int(year), int(month))
        if season is not None:
            return cls("season", int(year), int(season))
        return cls("year", int(year), 1)

    # --- bounds

    @property
    def first_month(self) -> int:
        return {"month": self.index, "season": 3 * self.index - 2, "year": 1}[self.kind]

    @property
    def last_month(self) -> int:
        return {"month": self.index, "season": 3 * self.index, "year": 12}[self.kind]

    @functools.cached_property
    def first_day(self) -> datetime.date:
        """The first Gregorian day of the period."""
        return from_jalali(self.year, self.first_month, 1)

    @functools.cached_property
    def last_day(self) -> datetime.date:
        """The last Gregorian day of the period (inclusive)."""
        return from_jalali(self.year, self.last_month, days_in_month(self.year, self.last_month))

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def contains(self, d: datetime.date) -> bool:
        """True when ``d`` (a date, or a datetime taken in Tehran time) falls in the period."""
        return self.first_day <= local_date(d) <= self.last_day

    # --- neighbours

    def next(self) -> "Period":
        last = {"month": 12, "season": 4, "year": 1}[self.kind]
        if self.index < last:
            return Period(self.kind, self.year, self.index + 1)
        return Period(self.kind, self.year + 1, 1)

    def previous(self) -> "Period":
        if self.index > 1:
            return Period(self.kind, self.year, self.index - 1)
        last = {"month": 12, "season": 4, "year": 1}[self.kind]
        return Period(self.kind, self.year - 1, last)

    # --- names

    @property
    def code(self) -> str:
        """``1402-05`` (month), ``1402-S2`` (season), ``1402`` (year): stable, sortable per kind."""
        if self.kind == "month":
            return f"{self.year:04d}-{self.index:02d}"
        if self.kind == "season":
            return f"{self.year:04d}-S{self.index}"
        return f"{self.year:04d}"

    def label(self, lang: str | None = "fa") -> str:
        """``مرداد ۱۴۰۲`` / ``Mordad 1402``, ``تابستان ۱۴۰۲`` / ``Summer 1402``, ``سال ۱۴۰۲`` /
        ``1402``. ``lang=None`` means the active Django language."""
        persian = _is_persian(lang)
        lang = "fa" if persian else "en"
        if self.kind == "month":
            text = f"{month_name(self.index, lang)} {self.year}"
        elif self.kind == "season":
            text = f"{season_name(self.index, lang)} {self.year}"
        else:
            text = f"سال {self.year}" if persian else str(self.year)
        return to_persian_digits(text) if persian else text

    @property
    def display(self) -> str:
        """The label in the active language (for templates, which cannot pass arguments)."""
        return self.label(None)

    def __str__(self) -> str:
        return self.code


def periods_between(start: datetime.date, end: datetime.date, kind: str) -> list[Period]:
    """Every period of ``kind`` from the one containing ``start`` to the one containing ``end``,
    in order; empty when ``start`` is after ``end``."""
    if local_date(start) > local_date(end):
        return []
    period = Period.containing(start, kind)
    last = Period.containing(end, kind)
    periods = [period]
    while period != last:
        period = period.next()
        periods.append(period)
    return periods
