"""The figures the public story portal shows on a province's or an office's page.

Registered as the portal's ``public_figures`` provider (see ``stories.portal``): a few headline
indicators of the programme for the last whole Jalali year that has figures, read from the fact table
through :func:`selectors.public_figures`, so a count under 5 (and its complement) is suppressed exactly
as for the national analyst. Nothing here reads the registry.
"""

from __future__ import annotations

from django.utils import translation

from mahalleh.core.jalali import Period
from mahalleh.geo.models import Office, Province
from mahalleh.indicators import selectors
from mahalleh.indicators.dashboards import fmt
from mahalleh.indicators.models import Fact, Indicator, Level
from mahalleh.indicators.refresh import today_tehran

# What a visitor can read without the plan's vocabulary: school, work, harms, groups.
HEADLINE = (
    "school_enrolment",
    "employment_rate",
    "ready_for_work",
    "child_labour_rate",
    "addiction_rate",
    "active_groups",
)


def with_unit(text: str, indicator: Indicator) -> str:
    """۴۵٫۲ درصد, 12.0 per 1,000, 31.0 days; a count stands alone."""
    if indicator.unit == Indicator.Unit.COUNT:
        return text
    return f"{text} {indicator.get_unit_display()}"


def last_year_with_figures() -> Period | None:
    """The latest whole Jalali year (period code ``1404``) that has facts; the year under way is not
    shown to the public until it has ended."""
    current = Period.containing(today_tehran(), "year").code
    codes = (
        Fact.objects.filter(period_kind="year", period__lt=current)
        .values_list("period", flat=True)
        .order_by("-period")
    )
    code = codes.first()
    return Period.from_code(code) if code else None


def figures(*, kind: str, place, lang: str) -> list[dict]:
    """[{"label", "value" (None when suppressed), "period"}] for a Province or an Office."""
    level = {"province": Level.PROVINCE, "office": Level.OFFICE}.get(kind)
    if level is None or not isinstance(place, (Province, Office)):
        return []
    period = last_year_with_figures()
    if period is None:
        return []
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=HEADLINE, active=True)}
    out = []
    # batched(): the six indicators' facts of the year and the level's places are read once.
    with translation.override(lang), selectors.batched():
        for code in HEADLINE:
            indicator = indicators.get(code)
            if indicator is None:
                continue
            # Every place of the level, then this one: complementary suppression is the same as on
            # the analyst's dashboard, so two public pages cannot be subtracted from each other.
            rows, _total = selectors.public_figures(indicator=indicator, period=period.code, level=level)
            figure = next((row for row in rows if row.place_id == place.pk), None)
            if figure is None or (figure.value is None and not figure.suppressed):
                continue  # no figure for this place and year: no row rather than a dash
            value = None if figure.suppressed else with_unit(fmt(figure.value, indicator), indicator)
            out.append({"label": indicator.name, "value": value, "period": period.label(lang)})
    return out
