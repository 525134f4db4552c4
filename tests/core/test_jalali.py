"""Jalali dates: parsing what people type, formatting, and reporting periods."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from mahalleh.core.jalali import (
    KINDS,
    MONTH_NAMES_EN,
    MONTH_NAMES_FA,
    SEASON_NAMES_EN,
    SEASON_NAMES_FA,
    Period,
    days_in_month,
    format_jalali,
    format_jalali_long,
    from_jalali,
    is_leap,
    month_name,
    parse_date,
    periods_between,
    season_name,
)

UTC = datetime.UTC
MORDAD_3_1402 = datetime.date(2023, 7, 25)

# Dates whose Jalali year has four digits below 1700, i.e. that format_jalali → parse_date
# reads back as Jalali (a typed year of 1700 or more means Gregorian).
round_trip_dates = st.dates(min_value=datetime.date(1621, 3, 21), max_value=datetime.date(2321, 3, 20))
# Every date whose period and both neighbours are inside jdatetime's range.
any_dates = st.dates(min_value=datetime.date(624, 1, 1), max_value=datetime.date(9990, 12, 31))
kinds = st.sampled_from(KINDS)


def refusal(value) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        parse_date(value)
    return info.value


def english(error: ValidationError) -> str:
    with translation.override("en"):
        return " ".join(error.messages)


# --------------------------------------------------------------------------- names and leap years


def test_month_and_season_names_in_both_languages():
    assert len(MONTH_NAMES_FA) == len(MONTH_NAMES_EN) == 12
    assert month_name(1) == "فروردین" and month_name(5) == "مرداد" and month_name(12) == "اسفند"
    assert month_name(1, "en") == "Farvardin" and month_name(5, "en") == "Mordad"
    assert month_name(12, "en") == "Esfand"
    assert SEASON_NAMES_FA == ("بهار", "تابستان", "پاییز", "زمستان")
    assert SEASON_NAMES_EN == ("Spring", "Summer", "Autumn", "Winter")
    assert season_name(2) == "تابستان" and season_name(4, "en") == "Winter"


def test_names_follow_the_active_language_when_lang_is_none():
    with translation.override("en"):
        assert month_name(5, None) == "Mordad"
    with translation.override("fa"):
        assert month_name(5, None) == "مرداد"


@pytest.mark.parametrize("bad", [0, 13])
def test_month_name_of_a_month_that_does_not_exist_is_an_error(bad):
    with pytest.raises(ValueError):
        month_name(bad)


def test_leap_years():
    assert is_leap(1403) and is_leap(1399)
    assert not is_leap(1402) and not is_leap(1404)
    assert days_in_month(1403, 12) == 30 and days_in_month(1402, 12) == 29
    assert days_in_month(1402, 6) == 31 and days_in_month(1402, 7) == 30


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    "typed",
    [
        "1402/5/3",
        "1402/05/03",
        "۱۴۰۲/۰۵/۰۳",
        "۱۴۰۲/۵/۳",
        "١٤٠٢/٠٥/٠٣",
        "1402-05-03",
        "1402.05.03",
        "1402 / 05 / 03",
        "14020503",
        "\u200f۱۴۰۲/۰۵/۰۳\u200e",
        " 1402/5/3 ",
        "2023-07-25",
        "2023/07/25",
        "۲۰۲۳-۰۷-۲۵",
    ],
)
def test_usual_spellings_of_mordad_3_1402_parse_to_july_25_2023(typed):
    assert parse_date(typed) == MORDAD_3_1402


def test_the_leap_day_of_1403_exists():
    assert parse_date("1403/12/30") == datetime.date(2025, 3, 20)
    assert parse_date("1403/01/01") == datetime.date(2024, 3, 20)


def test_impossible_jalali_date_is_refused_with_reason():
    error = refusal("1402/12/30")
    assert error.code == "not_leap_year"
    assert english(error) == (
        "1402/12/30 is not a date: Esfand 1402 has 29 days because 1402 is not a leap year."
    )


def test_refusal_shows_persian_month_name_and_digits_in_the_persian_ui():
    with translation.override("fa"):
        message = " ".join(refusal("1402/12/30").messages)
    assert "اسفند" in message and "۱۴۰۲/۱۲/۳۰" in message and "۲۹" in message


@pytest.mark.parametrize(
    ("typed", "code", "reason"),
    [
        ("1402/13/01", "invalid_month", "months run from 1 to 12"),
        ("1402/00/10", "invalid_month", "months run from 1 to 12"),
        ("1402/01/32", "invalid_day", "Farvardin 1402 has 31 days"),
        ("1402/07/31", "invalid_day", "Mehr 1402 has 30 days"),
        ("1402/11/31", "invalid_day", "Bahman 1402 has 30 days"),
        ("1402/05/00", "invalid_day", "Mordad 1402 has 31 days"),
        ("1403/12/31", "invalid_day", "Esfand 1403 has 30 days"),
        ("2023-02-29", "not_leap_year", "February 2023 has 28 days because 2023 is not a leap year"),
        ("2023-04-31", "invalid_day", "April 2023 has 30 days"),
        ("2023-13-01", "invalid_month", "months run from 1 to 12"),
    ],
)
def test_impossible_dates_are_refused_with_the_specific_reason(typed, code, reason):
    error = refusal(typed)
    assert error.code == code
    assert reason in english(error)


def test_gregorian_leap_day_is_accepted():
    assert parse_date("2024-02-29") == datetime.date(2024, 2, 29)


@pytest.mark.parametrize("typed", ["3/5/1402", "03/05/1402", "25-07-2023"])
def test_day_first_dates_are_refused_asking_for_the_year_first(typed):
    error = refusal(typed)
    assert error.code == "year_first"
    assert "year first" in english(error)


MALFORMED = ["abc", "1402/5", "1402/5/3/1", "02/5/3", "1402/005/03", "1402//5", "0000/01/01", "1402-05-03T10"]


@pytest.mark.parametrize("typed", MALFORMED)
def test_malformed_dates_are_refused_with_an_example(typed):
    error = refusal(typed)
    assert error.code == "invalid"
    assert "year/month/day" in english(error)


@pytest.mark.parametrize("empty", ["", "   ", None, "\u200f"])
def test_an_empty_date_is_refused_as_required(empty):
    assert refusal(empty).code == "required"


def test_date_objects_pass_through_parse_date():
    assert parse_date(MORDAD_3_1402) == MORDAD_3_1402
    late_evening_utc = datetime.datetime(2023, 7, 24, 21, 0, tzinfo=UTC)  # 00:30 in Tehran
    assert parse_date(late_evening_utc) == MORDAD_3_1402


# --------------------------------------------------------------------------- formatting


def test_format_jalali_zero_pads_in_persian_or_latin_digits():
    assert format_jalali(MORDAD_3_1402) == "۱۴۰۲/۰۵/۰۳"
    assert format_jalali(MORDAD_3_1402, persian_digits=False) == "1402/05/03"
    assert format_jalali(None) == ""


def test_format_jalali_shows_aware_datetimes_in_tehran_time():
    moment = datetime.datetime(2023, 7, 24, 21, 0, tzinfo=UTC)
    assert format_jalali(moment, persian_digits=False) == "1402/05/03"
    assert format_jalali(moment, persian_digits=False, with_time=True) == "1402/05/03 00:30"
    assert format_jalali(moment, with_time=True) == "۱۴۰۲/۰۵/۰۳ ۰۰:۳۰"


def test_format_jalali_with_time_on_a_plain_date_shows_only_the_date():
    assert format_jalali(MORDAD_3_1402, persian_digits=False, with_time=True) == "1402/05/03"


def test_format_jalali_long_in_both_languages():
    assert format_jalali_long(MORDAD_3_1402) == "۳ مرداد ۱۴۰۲"
    assert format_jalali_long(MORDAD_3_1402, lang="en") == "3 Mordad 1402"
    assert format_jalali_long(None) == ""


@given(round_trip_dates, st.booleans())
def test_every_date_round_trips_through_format_and_parse(day, persian_digits):
    assert parse_date(format_jalali(day, persian_digits=persian_digits)) == day


@given(st.dates(min_value=datetime.date(1700, 1, 1)))
def test_every_gregorian_date_from_1700_round_trips_through_iso_format(day):
    assert parse_date(day.isoformat()) == day


# --------------------------------------------------------------------------- periods


def test_month_season_and_year_of_mordad_3_1402():
    month = Period.containing(MORDAD_3_1402, "month")
    season = Period.containing(MORDAD_3_1402, "season")
    year = Period.containing(MORDAD_3_1402, "year")
    assert (month.code, season.code, year.code) == ("1402-05", "1402-S2", "1402")
    assert (month.label(), season.label(), year.label()) == ("مرداد ۱۴۰۲", "تابستان ۱۴۰۲", "سال ۱۴۰۲")
    assert (month.label("en"), season.label("en"), year.label("en")) == ("Mordad 1402", "Summer 1402", "1402")
    assert (month.first_day, month.last_day) == (datetime.date(2023, 7, 23), datetime.date(2023, 8, 22))
    assert (season.first_day, season.last_day) == (datetime.date(2023, 6, 22), datetime.date(2023, 9, 22))
    assert (year.first_day, year.last_day) == (datetime.date(2023, 3, 21), datetime.date(2024, 3, 19))


def test_esfand_and_the_year_are_one_day_longer_in_a_leap_year():
    assert Period("month", 1402, 12).days == 29
    assert Period("month", 1403, 12).days == 30
    assert Period("month", 1403, 12).last_day == datetime.date(2025, 3, 20)
    assert Period("year", 1402).days == 365
    assert Period("year", 1403).days == 366


def test_neighbours_wrap_around_the_year():
    assert Period("month", 1402, 12).next() == Period("month", 1403, 1)
    assert Period("month", 1403, 1).previous() == Period("month", 1402, 12)
    assert Period("season", 1402, 4).next() == Period("season", 1403, 1)
    assert Period("year", 1402).previous() == Period("year", 1401)


@pytest.mark.parametrize(
    ("code", "period"),
    [
        ("1402-05", Period("month", 1402, 5)),
        ("1402-5", Period("month", 1402, 5)),
        ("۱۴۰۲-۰۵", Period("month", 1402, 5)),
        ("1402-S2", Period("season", 1402, 2)),
        ("1402-s2", Period("season", 1402, 2)),
        ("1402", Period("year", 1402, 1)),
    ],
)
def test_period_codes_are_read_back(code, period):
    assert Period.from_code(code) == period


@pytest.mark.parametrize("code", ["", "1402-13", "1402-00", "1402-S5", "1402-S0", "140205", "abc", "1402-Q2"])
def test_bad_period_codes_are_refused(code):
    with pytest.raises(ValueError):
        Period.from_code(code)


@pytest.mark.parametrize(
    ("kind", "year", "index"), [("week", 1402, 1), ("month", 1402, 0), ("season", 1402, 5), ("year", 1402, 2)]
)
def test_periods_that_do_not_exist_cannot_be_made(kind, year, index):
    with pytest.raises(ValueError):
        Period(kind, year, index)


def test_contains_takes_aware_datetimes_in_tehran_time():
    tir = Period("month", 1402, 4)  # ends 2023-07-22
    assert tir.contains(datetime.datetime(2023, 7, 22, 20, 0, tzinfo=UTC))  # 23:30 in Tehran
    assert not tir.contains(datetime.datetime(2023, 7, 22, 21, 0, tzinfo=UTC))  # 00:30 next day


def test_periods_between_lists_every_period_in_order():
    seasons = periods_between(datetime.date(2023, 1, 1), MORDAD_3_1402, "season")
    assert [p.code for p in seasons] == ["1401-S4", "1402-S1", "1402-S2"]
    assert len(periods_between(datetime.date(2023, 3, 21), datetime.date(2024, 3, 19), "month")) == 12
    assert periods_between(MORDAD_3_1402, MORDAD_3_1402, "year") == [Period("year", 1402)]
    assert periods_between(MORDAD_3_1402, datetime.date(2023, 1, 1), "month") == []


def test_periods_of_one_kind_sort_chronologically():
    periods = [Period("month", 1403, 1), Period("month", 1402, 12), Period("month", 1402, 2)]
    assert [p.code for p in sorted(periods)] == ["1402-02", "1402-12", "1403-01"]
    assert str(Period("season", 1402, 3)) == "1402-S3"


@given(any_dates, kinds)
def test_the_period_containing_a_date_contains_it(day, kind):
    period = Period.containing(day, kind)
    assert period.kind == kind
    assert period.first_day <= day <= period.last_day
    assert period.contains(day)
    assert not period.contains(period.first_day - datetime.timedelta(days=1))
    assert not period.contains(period.last_day + datetime.timedelta(days=1))


@given(any_dates, kinds)
def test_consecutive_periods_tile_without_gaps_or_overlaps(day, kind):
    period = Period.containing(day, kind)
    assert period.next().first_day == period.last_day + datetime.timedelta(days=1)
    assert period.previous().last_day == period.first_day - datetime.timedelta(days=1)
    assert period.next().previous() == period
    assert Period.containing(period.first_day, kind) == period
    assert Period.containing(period.last_day, kind) == period


@given(any_dates, kinds)
def test_period_codes_round_trip(day, kind):
    period = Period.containing(day, kind)
    assert Period.from_code(period.code) == period


@given(any_dates, kinds)
def test_seasons_and_years_are_made_of_whole_months(day, kind):
    period = Period.containing(day, kind)
    months = periods_between(period.first_day, period.last_day, "month")
    assert len(months) == {"month": 1, "season": 3, "year": 12}[kind]
    assert sum(m.days for m in months) == period.days


@given(round_trip_dates, st.integers(min_value=0, max_value=800), kinds)
def test_periods_between_covers_the_whole_range_without_gaps(start, length, kind):
    end = start + datetime.timedelta(days=length)
    periods = periods_between(start, end, kind)
    assert periods[0].contains(start) and periods[-1].contains(end)
    for before, after in zip(periods, periods[1:], strict=False):
        assert after.first_day == before.last_day + datetime.timedelta(days=1)


def test_from_jalali_counts_from_the_first_of_farvardin_as_jdatetime_converts_every_day():
    import jdatetime

    for year in range(1300, 1500):
        for month in range(1, 13):
            for day in range(1, days_in_month(year, month) + 1):
                assert from_jalali(year, month, day) == jdatetime.date(year, month, day).togregorian()
    for missing in ((1402, 12, 30), (1402, 7, 31), (1402, 13, 1), (1402, 0, 1), (1402, 1, 0)):
        with pytest.raises(ValueError):
            from_jalali(*missing)
