"""Small counts are hidden from aggregate-only roles and the public, with complementary suppression."""

from types import SimpleNamespace

from mahalleh.indicators.models import Fact, Indicator
from mahalleh.indicators.selectors import indicator_values, public_figures
from mahalleh.indicators.suppression import Cell, suppress

COUNT = SimpleNamespace(code="group_members", unit="count", kind="computed")
SHARE = SimpleNamespace(code="school_enrolment", unit="percent", kind="computed")


def test_a_count_under_5_is_hidden_and_5_is_shown():
    cells = [Cell(1, "", 4, None), Cell(2, "", 5, None)]
    suppress(COUNT, cells, [])
    assert [c.suppressed for c in cells] == [True, False]


def test_a_share_is_hidden_when_its_numerator_or_denominator_is_small():
    cells = [Cell(1, "", 3, 100), Cell(2, "", 30, 4), Cell(3, "", 30, 100)]
    suppress(SHARE, cells, [])
    assert [c.suppressed for c in cells] == [True, True, False]


def test_a_lone_hidden_cell_takes_the_next_smallest_with_it():
    # Total 40 = 3 + 12 + 25: with 3 hidden, 40 − 12 − 25 would reveal it, so 12 goes too.
    rows = [Cell(1, "", 3, None), Cell(2, "", 12, None), Cell(3, "", 25, None)]
    total = Cell(None, "", 40, None)
    suppress(COUNT, [*rows, total], [[*rows, total]])
    assert [c.suppressed for c in rows] == [True, True, False]
    assert not total.suppressed


def test_complementary_suppression_runs_across_both_directions_of_a_table():
    # Two places × (female, male, total): hiding place 1's females must not be undone by
    # the sex totals or place 1's total.
    f1, m1, t1 = Cell(1, "sex=female", 2, None), Cell(1, "sex=male", 20, None), Cell(1, "", 22, None)
    f2, m2, t2 = Cell(2, "sex=female", 30, None), Cell(2, "sex=male", 40, None), Cell(2, "", 70, None)
    ft, mt, tt = (
        Cell(None, "sex=female", 32, None),
        Cell(None, "sex=male", 60, None),
        Cell(None, "", 92, None),
    )
    cells = [f1, m1, t1, f2, m2, t2, ft, mt, tt]
    groups = [[f1, m1, t1], [f2, m2, t2], [ft, mt, tt], [f1, f2, ft], [m1, m2, mt], [t1, t2, tt]]
    suppress(COUNT, cells, groups)
    for group in groups:
        assert sum(c.suppressed for c in group) != 1, group


def test_the_analyst_gets_the_province_total_hidden_when_it_is_small(hood):
    from mahalleh.indicators.refresh import refresh
    from tests.indicators.conftest import TODAY

    refresh(full=True, today=TODAY)
    ind = Indicator.objects.get(code="group_members")
    rows, total = indicator_values(user=hood.world.analyst, indicator=ind, level="province", period="1403")
    kerman = next(r for r in rows if r.place_name == "کرمان")
    assert kerman.suppressed and kerman.numerator is None  # 3 members
    assert total.suppressed  # the country's total would be the same 3
    exact, _total = indicator_values(
        user=hood.world.coordinator, indicator=ind, level="province", period="1403"
    )
    assert exact[0].numerator == 3 and not exact[0].suppressed


def test_public_figures_are_suppressed_like_the_analysts(hood):
    from mahalleh.indicators.refresh import refresh
    from tests.indicators.conftest import TODAY

    refresh(full=True, today=TODAY)
    ind = Indicator.objects.get(code="school_enrolment")
    rows, _total = public_figures(indicator=ind, period="1403", level="office")
    assert {r.place_name: r.suppressed for r in rows}["دفتر الف"] is True
    assert all(r.numerator is None for r in rows if r.suppressed)


def test_a_breakdown_sibling_is_hidden_so_the_total_cannot_reveal_it(hood, world):
    ind = Indicator.objects.get(code="group_members")
    Fact.objects.all().delete()
    for key, n in (("", 30), ("sex=female", 3), ("sex=male", 27)):
        Fact.objects.create(indicator=ind, neighbourhood=world.hood_a, period="1403", period_kind="year",
                            disaggregation=key, numerator=n)  # fmt: skip
    rows, _total = indicator_values(
        user=world.analyst, indicator=ind, level="neighbourhood", period="1403", disaggregation="sex=male"
    )
    hood_a = next(r for r in rows if r.place_id == world.hood_a.pk)
    assert hood_a.suppressed  # 27 shown next to a total of 30 would reveal the 3 women
