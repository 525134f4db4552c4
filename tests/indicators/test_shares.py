"""The shares of whole age groups (child labour, addiction, residents reached by activities) are
counted from each day's census of residents, not by walking every resident for every period
(computed._add_share): both ways give the same cells, for every breakdown."""

import dataclasses
import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from mahalleh.core.jalali import Period
from mahalleh.indicators.computed import REGISTRY, HarmRow, HoodData, PersonRow, evaluate

SHARES = [spec for spec in REGISTRY.values() if spec.among]
FIRST = datetime.date(2023, 3, 21)  # 1 Farvardin 1402
TODAY = datetime.date(2025, 11, 20)
SPAN = (TODAY - FIRST).days


def day(n: int) -> datetime.date:
    return FIRST + datetime.timedelta(days=n)


PERSON = st.tuples(
    st.sampled_from(["female", "male"]),
    # No birth date, born after the period (a negative age), every age group, and older than 200.
    st.none() | st.integers(-2_000, 80_000),
    st.sampled_from(["iranian", "afghan", "iraqi"]),
    st.sampled_from(["active", "active", "moved", "deceased"]),
    st.integers(0, SPAN),
)
HARM = st.tuples(
    st.integers(0, 39),
    st.sampled_from(["addiction", "child_labour", "school_dropout"]),
    st.integers(0, SPAN),
    st.lists(
        st.tuples(st.integers(0, SPAN), st.sampled_from(["in_care", "resolved", "relapsed"])), max_size=3
    ),
)
ATTEND = st.tuples(st.integers(0, 39), st.integers(0, SPAN), st.booleans())


def hood(people, harms, attendance) -> HoodData:
    data = HoodData(neighbourhood_id=1)
    for pid, (sex, born, nationality, status, changed) in enumerate(people, start=1):
        data.persons[pid] = PersonRow(
            id=pid,
            household_id=1 + pid // 4,
            sex=sex,
            birth_date=None if born is None else TODAY - datetime.timedelta(days=born),
            nationality=nationality,
            status=status,
            status_changed_on=None if status == "active" else day(changed),
            school_enrolled=None,
            employment="",
            insurance="",
        )
    # Cases and attendance of people who are not residents (ids past the list) are in the rows too.
    for who, code, identified, steps in harms:
        data.harms.append(HarmRow(1 + who, code, day(identified), sorted((day(n), s) for n, s in steps)))
    data.attendance = [(1 + who, day(n), here) for who, n, here in attendance]
    return data


@given(
    people=st.lists(PERSON, max_size=30),
    harms=st.lists(HARM, max_size=12),
    attendance=st.lists(ATTEND, max_size=30),
    periods=st.lists(
        st.tuples(st.integers(0, SPAN), st.sampled_from(["month", "season", "year"])), min_size=1, max_size=4
    ),
)
@settings(max_examples=200, deadline=None)
def test_a_share_from_the_census_equals_one_walked_resident_by_resident(people, harms, attendance, periods):
    data = hood(people, harms, attendance)
    for n, kind in periods:
        period = Period.containing(day(n), kind)
        reference = min(period.last_day, TODAY)
        for spec in SHARES:
            walked = dataclasses.replace(spec, among=frozenset())
            assert evaluate(spec, data, period, reference, spec.disaggregations) == evaluate(
                walked, data, period, reference, spec.disaggregations
            ), (spec.code, period.code)


def test_the_shares_are_the_rates_of_harm_and_the_reach_of_activities():
    """The census is used where a figure is a share of whole age groups, and nowhere else: if an
    indicator stopped being one, the test above would compare nothing for it."""
    assert {spec.code for spec in SHARES} == {
        "child_labour_rate",
        "addiction_rate",
        "reached_child",
        "reached_adolescent",
        "reached_elderly",
    }
    assert REGISTRY["child_labour_rate"].among == {"child", "adolescent"}
    assert REGISTRY["addiction_rate"].among == {"youth", "adult", "elderly"}


def walked_census(data, on):
    counted = {}
    for p, _age, group in data.residents(on):
        if group is not None:
            kind = (p.sex, group, p.nationality == "iranian")
            counted[kind] = counted.get(kind, 0) + 1
    return counted


def test_the_census_counts_birthdays_to_the_day_leap_days_included():
    """Born on 29 February, on each side of the age groups' bounds (12, 18, 30, 60 and past 200),
    on the day before, of and after a birthday: each resident is in the age group a walk finds."""
    data = HoodData(neighbourhood_id=1)
    births = []
    for years in (0, 11, 12, 17, 18, 29, 30, 59, 60, 200, 201):
        for month, dom in ((2, 28), (2, 29), (3, 1), (3, 20), (3, 21), (12, 31), (1, 1)):
            try:
                births.append(datetime.date(2024 - years, month, dom))
            except ValueError:  # no 29 February that year
                births.append(datetime.date(2024 - years, 2, 28))
    for pid, born in enumerate(births, start=1):
        data.persons[pid] = PersonRow(
            pid, 1, "female" if pid % 2 else "male", born, "iranian", "active", None, None, "", ""
        )
    days = [datetime.date(2024, 2, 28), datetime.date(2024, 2, 29), datetime.date(2024, 3, 1)]
    days += [datetime.date(2025, 2, 28), datetime.date(2025, 3, 1), datetime.date(2024, 3, 20)]
    days += [datetime.date(2024, 3, 21), datetime.date(2023, 12, 31), datetime.date(2024, 1, 1)]
    for on in days:
        assert data.census(on) == walked_census(data, on), on
        assert sum(data.census(on).values()) > 0
