"""The catalogue rows: every computed indicator of ``computed.REGISTRY`` plus a starter set of
manual ones. ``sync()`` adds what is missing and never overwrites what the national admin edited
(names, definitions, units, active)."""

from mahalleh.indicators.computed import REGISTRY
from mahalleh.indicators.models import Indicator

MANUAL = [
    {
        "code": "police_reports",
        "name_fa": "گزارش‌های انتظامی جرایم خرد",
        "name_en": "Police reports of petty crime",
        "definition_fa": "تعداد گزارش‌های ثبت‌شدهٔ جرایم خرد در محله در دوره، به گزارش کلانتری.",
        "definition_en": "Petty-crime reports filed in the neighbourhood in the period, as the police station reports them.",
        "unit": "count",
        "direction": "lower",
        "source": "police station",
    },
    {
        "code": "official_dropout_rate",
        "name_fa": "نرخ بازماندگی از تحصیل (آموزش و پرورش)",
        "name_en": "Out-of-school rate (education office)",
        "definition_fa": "درصد کودکان لازم‌التعلیم بازمانده از تحصیل در محله، به گزارش ادارهٔ آموزش و پرورش.",
        "definition_en": "Share of school-age children out of school in the neighbourhood, as the education office reports it.",
        "unit": "percent",
        "direction": "lower",
        "source": "education office",
    },
    {
        "code": "vaccination_coverage",
        "name_fa": "پوشش واکسیناسیون کودکان",
        "name_en": "Child vaccination coverage",
        "definition_fa": "درصد کودکان زیر ۶ سال با واکسیناسیون کامل، به گزارش مرکز خدمات جامع سلامت.",
        "definition_en": "Share of children under 6 fully vaccinated, as the health centre reports it.",
        "unit": "percent",
        "direction": "higher",
        "source": "health centre",
    },
]


def sync() -> int:
    """Create the catalogue rows that do not exist yet; returns how many were created."""
    have = set(Indicator.objects.values_list("code", flat=True))
    new = []
    for order, spec in enumerate(REGISTRY.values(), start=1):
        if spec.code in have:
            continue
        new.append(
            Indicator(
                code=spec.code,
                kind=Indicator.Kind.COMPUTED,
                name_fa=spec.name_fa,
                name_en=spec.name_en,
                definition_fa=spec.definition_fa,
                definition_en=spec.definition_en,
                unit=spec.unit,
                direction=spec.direction,
                source=spec.source,
                disaggregations=list(spec.disaggregations),
                order=order * 10,
            )
        )
    for order, spec in enumerate(MANUAL, start=len(REGISTRY) + 1):
        if spec["code"] not in have:
            new.append(Indicator(kind=Indicator.Kind.MANUAL, order=order * 10, **spec))
    Indicator.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
