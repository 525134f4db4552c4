"""Demo indicators: a plan 1402–1405 (baseline 1401), baselines and yearly targets, figures from
other agencies, and three years of history in which some neighbourhoods improve and some do not.

Flow figures (harm cases, attendance, referrals, groups) come from the demo's dated rows through
the ordinary refresh. The registry keeps no history of stock fields (school enrolment, employment,
insurance, vulnerability), so their past monthly snapshots are written here as the refresh would
have stored them month by month: from today's figure back to 1401, rising towards it in the
improving neighbourhoods and flat or slipping in the others.
"""

from __future__ import annotations

import random

from mahalleh.core.jalali import Period
from mahalleh.geo.models import Neighbourhood
from mahalleh.indicators import catalogue
from mahalleh.indicators.computed import REGISTRY
from mahalleh.indicators.models import Fact, Indicator, Level, ManualValue, Plan, Target
from mahalleh.indicators.refresh import (
    current_periods,
    fact_periods,
    rebuild_province_sums,
    refresh,
    today_tehran,
)

BASELINE_YEAR, FIRST_YEAR, LAST_YEAR = 1401, 1402, 1405


def _history_factor(months_back: int, trend: str) -> float:
    """How much of today's gap the figure had ``months_back`` months ago (1 = same as today)."""
    if trend == "improving":
        return 1.0 + 0.006 * months_back  # further from good the further back
    if trend == "worsening":
        return 1.0 - 0.003 * months_back
    return 1.0


def _month_index(p: Period) -> int:
    return p.year * 12 + p.last_month


def load_indicators(*, rng: random.Random, stdout=None) -> None:
    catalogue.sync()
    plan = Plan.objects.create(
        name_fa="برنامهٔ چهارسالهٔ ۱۴۰۲ تا ۱۴۰۵",
        name_en="Four-year plan 1402–1405",
        baseline_year=BASELINE_YEAR,
        first_year=FIRST_YEAR,
        last_year=LAST_YEAR,
    )
    today = today_tehran()
    hoods = list(Neighbourhood.objects.filter(kind="target").order_by("code"))
    trends = {h.pk: ("improving", "improving", "flat", "worsening")[i % 4] for i, h in enumerate(hoods)}

    # Figures from other agencies: police reports per season, approved; the latest still pending.
    police = Indicator.objects.get(code="police_reports")
    for hood in hoods:
        reports = rng.randint(14, 30)
        for period in [p for p in fact_periods(today) if p.kind == "season" and p.last_day < today]:
            change = {"improving": -1, "flat": 0, "worsening": 1}[trends[hood.pk]]
            reports = max(0, reports + change * rng.randint(0, 2) + rng.randint(-1, 1))
            ManualValue.objects.create(
                indicator=police, neighbourhood=hood, period=period.code, numerator=reports,
                source_note="کلانتری محل", status=ManualValue.Status.APPROVED,
            )  # fmt: skip
    current_season = Period.containing(today, "season")
    for hood in hoods[:2]:
        ManualValue.objects.create(
            indicator=police, neighbourhood=hood, period=current_season.previous().previous().code,
            numerator=rng.randint(10, 20), source_note="کلانتری محل (اصلاحیه)",
            status=ManualValue.Status.REJECTED,
        )  # fmt: skip

    refresh(full=True, today=today)

    # Stock history: monthly, seasonal and yearly snapshots of every closed period.
    current = {p.code for p in current_periods(today)}
    now_index = _month_index(Period.containing(today, "month"))
    stock = {
        i.code: i for i in Indicator.objects.filter(code__in=[c for c, s in REGISTRY.items() if s.stock])
    }
    closed = [p for p in fact_periods(today) if p.code not in current]
    this_year = Period.containing(today, "year").code
    history = []
    for fact in Fact.objects.filter(indicator__in=stock.values(), period=this_year, snapshot=True):
        ind = stock[next(c for c, i in stock.items() if i.pk == fact.indicator_id)]
        trend = trends.get(fact.neighbourhood_id, "flat")
        for period in closed:
            back = now_index - _month_index(period)
            factor = _history_factor(back, trend)
            num, den = fact.numerator, fact.denominator or 0
            if ind.direction == "higher":
                # Further back, the share was lower: num shrinks by the factor.
                past = num / factor
            else:
                past = num * factor
            past *= 1 + rng.uniform(-0.02, 0.02)
            if den:
                past = min(max(past, 0.0), den)
            history.append(
                Fact(
                    indicator_id=fact.indicator_id, neighbourhood_id=fact.neighbourhood_id,
                    period=period.code,
                    period_kind=period.kind, disaggregation=fact.disaggregation,
                    numerator=round(past, 2), denominator=fact.denominator, snapshot=True,
                )
            )  # fmt: skip
    Fact.objects.bulk_create(history, batch_size=5000, ignore_conflicts=True)
    rebuild_province_sums()  # the history is in the provinces' sums too, as a refresh would put it

    # Baselines (1401) and yearly targets, for the nation, the province's offices and neighbourhoods.
    targets = []
    computed = list(Indicator.objects.filter(kind=Indicator.Kind.COMPUTED, active=True))
    base_facts = _values(computed, str(BASELINE_YEAR))
    now_facts = _values(computed, this_year)
    for ind in computed:
        sign = 1 if ind.direction == "higher" else -1
        for level, key, place in _places(hoods):
            baseline = base_facts.get((ind.pk, key)) or now_facts.get((ind.pk, key))
            if baseline is None:
                continue
            step = {"percent": 5.0, "per_1000": max(2.0, baseline * 0.08),
                    "count": max(1.0, round(baseline * 0.1)), "days": 1.0,
                    "score": 2.5}[ind.unit]  # fmt: skip
            high = {"percent": 100.0, "score": 100.0}.get(ind.unit)
            targets.append(_target(plan, ind, level, place, BASELINE_YEAR, round(baseline, 1)))
            for k, year in enumerate(range(FIRST_YEAR, LAST_YEAR + 1), start=1):
                goal = max(0.0, baseline + sign * step * k)
                if high is not None:
                    goal = min(goal, high)
                targets.append(_target(plan, ind, level, place, year, round(goal, 1)))
    Target.objects.bulk_create(targets, batch_size=2000)
    if stdout:
        stdout.write(f"Indicators: {len(history)} history facts, {len(targets)} targets.")


def _places(hoods):
    yield Level.NATION, ("nation", None), None
    offices = {h.office for h in hoods if h.office_id}
    for office in offices:
        yield Level.OFFICE, ("office", office.pk), office
    for hood in hoods:
        yield Level.NEIGHBOURHOOD, ("neighbourhood", hood.pk), hood


def _values(indicators, period: str) -> dict:
    """{(indicator id, (level, place id)): value} of the totals, summed per place."""
    sums: dict = {}
    for f in Fact.objects.filter(indicator__in=indicators, period=period, disaggregation="").select_related(
        "neighbourhood"
    ):
        for key in (
            ("nation", None),
            ("office", f.neighbourhood.office_id),
            ("neighbourhood", f.neighbourhood_id),
        ):
            n, d = sums.get((f.indicator_id, key), (0.0, 0.0))
            sums[(f.indicator_id, key)] = (n + f.numerator, d + (f.denominator or 0))
    by_id = {i.pk: i for i in indicators}
    out = {}
    for (ind_id, key), (n, d) in sums.items():
        value = by_id[ind_id].value_of(n, d or None)
        if value is not None:
            out[(ind_id, key)] = value
    return out


def _target(plan, ind, level, place, year, value) -> Target:
    return Target(
        plan=plan, indicator=ind, level=level, year=year, value=value,
        office=place if level == Level.OFFICE else None,
        neighbourhood=place if level == Level.NEIGHBOURHOOD else None,
    )  # fmt: skip
