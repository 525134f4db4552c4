"""Browser journeys of the dashboards (issue 11): the office manager changes the period and sees the
figures and the chart; the coordinator ranks offices and opens the map; the analyst downloads the
national table with its suppressed cells."""

import pytest
from playwright.sync_api import expect

from mahalleh.accounts.models import User
from mahalleh.core.jalali import Period
from mahalleh.geo.models import Neighbourhood
from mahalleh.indicators import catalogue
from mahalleh.indicators.models import Fact, Indicator, Plan, RefreshState, Target
from mahalleh.indicators.refresh import rebuild_province_sums, today_tehran
from tests.e2e.conftest import sign_in, snap

pytestmark = pytest.mark.e2e


@pytest.fixture
def figures(demo):
    """Facts as a refresh would have written them: school enrolment per target neighbourhood for
    last year and this year (and each month of this year), one neighbourhood with a small count."""
    catalogue.sync()
    this = Period.containing(today_tehran(), "year").year
    plan = Plan.objects.create(
        name_fa="برنامه", baseline_year=this - 2, first_year=this - 1, last_year=this + 2
    )
    ind = Indicator.objects.get(code="school_enrolment")
    hoods = list(Neighbourhood.objects.filter(kind="target").order_by("code"))
    facts = []
    for i, hood in enumerate(hoods):
        small = False
        for year, num in ((this - 1, 40 + 3 * i), (this, 60 + 2 * i)):
            facts.append(
                Fact(
                    indicator=ind,
                    neighbourhood=hood,
                    period=str(year),
                    period_kind="year",
                    numerator=3 if small else num,
                    denominator=4 if small else 100,
                    snapshot=True,
                )
            )
        for month in range(1, Period.containing(today_tehran(), "month").index + 1):
            facts.append(
                Fact(
                    indicator=ind,
                    neighbourhood=hood,
                    period=f"{this}-{month:02d}",
                    period_kind="month",
                    numerator=50 + month + i,
                    denominator=100,
                    snapshot=True,
                )
            )
        Target.objects.create(
            plan=plan, indicator=ind, level="neighbourhood", neighbourhood=hood, year=this - 2, value=40
        )
        Target.objects.create(
            plan=plan,
            indicator=ind,
            level="neighbourhood",
            neighbourhood=hood,
            year=this,
            value=70 + 4 * (i % 3),
        )
    Fact.objects.bulk_create(facts)
    # A second province with one small neighbourhood: the national table must hide it (and its complement).
    from mahalleh.geo.models import County, Province

    yazd = Province.objects.create(code="YZD", name_fa="یزد", name_en="Yazd")
    county = County.objects.create(province=yazd, code="YZD-1", name_fa="یزد", name_en="Yazd")
    tiny = Neighbourhood.objects.create(county=county, code="YZD-N1", name_fa="محلهٔ کوچک", name_en="Small")
    Fact.objects.create(indicator=ind, neighbourhood=tiny, period=str(this), period_kind="year",
                        numerator=3, denominator=4, snapshot=True)  # fmt: skip
    rebuild_province_sums()  # the refresh's second step: the provinces' sums
    manager = User.objects.get(username="office_manager")
    for year, value in ((this - 2, 40), (this, 75)):
        Target.objects.create(
            plan=plan, indicator=ind, level="office", office=manager.office, year=year, value=value
        )
    RefreshState.objects.create(
        pk=1, last_refresh_at=__import__("django.utils.timezone").utils.timezone.now()
    )
    return this


def test_office_manager_changes_the_period_and_sees_the_figures_change(page, figures):
    sign_in(page, "office_manager")
    card = page.locator("[data-indicator=school_enrolment] [data-testid=value]")
    expect(card).to_be_visible()
    this_year = card.inner_text()
    chart = page.locator("[data-testid=trend-chart]")
    expect(chart).to_have_attribute("data-ready", "1")
    assert int(chart.get_attribute("data-points")) >= 1
    page.select_option("#f-period", str(figures - 1))
    expect(page.locator("#f-period")).to_have_value(str(figures - 1))
    expect(card).not_to_have_text(this_year)
    expect(page.locator("[data-testid=trend-chart]")).to_have_attribute("data-ready", "1")
    snap(page, "indicators-manager-period")


def test_coordinator_ranks_offices_and_opens_the_map(page, figures):
    sign_in(page, "province_coordinator")
    page.goto(f"/?period={figures}&indicator=school_enrolment")
    ranking = page.locator("[data-testid=hood-ranking] li")
    expect(ranking.first).to_be_visible()
    assert ranking.count() >= 2
    expect(page.locator("[data-testid=ranking]")).to_be_visible()
    expect(page.locator("[data-testid=choropleth]")).to_have_attribute("data-ready", "1")
    # The legend's five swatches show their colours (the CSP refuses style="" attributes).
    swatches = page.locator("[data-testid=choropleth-legend] .legend")
    expect(swatches).to_have_count(5)
    colours = swatches.evaluate_all("(els) => els.map((el) => getComputedStyle(el).backgroundColor)")
    assert len(set(colours)) == 5 and "rgba(0, 0, 0, 0)" not in colours, colours
    page.get_by_text("ارقام نقشه به صورت جدول").click()
    expect(page.locator("[data-testid=map-table]")).to_be_visible()
    snap(page, "indicators-coordinator-map")


def test_analyst_downloads_the_national_table_with_suppressed_cells(page, figures):
    sign_in(page, "national_analyst")
    page.goto(f"/?period={figures}&indicator=school_enrolment")
    expect(page.locator("[data-testid=places-table]")).to_be_visible()
    with page.expect_download() as info:
        page.locator("[data-testid=download-places-csv]").click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    assert "کمتر از ۵" in text
    assert "کرمان" in text
