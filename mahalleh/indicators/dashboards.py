"""What each role's dashboard shows, built from the selectors (the fact table for figures, the
other apps' scoped selectors for the facilitator's own work). Views stay thin; exports reuse the
same tables."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from mahalleh.accounts.models import Role
from mahalleh.core.i18n import is_persian
from mahalleh.core.jalali import Period, local_date, on_days
from mahalleh.core.persian import to_persian_digits
from mahalleh.indicators import selectors
from mahalleh.indicators.computed import AGE_GROUP_CODES, SEXES
from mahalleh.indicators.models import Indicator, Level, ManualValue
from mahalleh.indicators.refresh import fact_periods, today_tehran
from mahalleh.registry.ages import AGE_GROUP_CHOICES


def fmt(value, indicator: Indicator | None = None) -> str:
    """A figure as shown: one decimal for rates, none for counts; Persian digits in Persian."""
    if value is None:
        return "—"
    if indicator is not None and indicator.unit == "count":
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.1f}"
    if is_persian():
        text = to_persian_digits(text.replace(",", "٬").replace(".", "٫"))
    return text


def shown(figure, indicator) -> str:
    if figure.suppressed:
        return str(selectors.FEWER_THAN_5)
    return fmt(figure.value, indicator)


@dataclass
class Filters:
    period: Period
    sex: str = ""
    age: str = ""
    indicator: Indicator | None = None
    periods: list[Period] = field(default_factory=list)

    @property
    def key(self) -> str:
        if self.sex and self.age:
            return f"sex={self.sex}&age={self.age}"
        if self.sex:
            return f"sex={self.sex}"
        if self.age:
            return f"age={self.age}"
        return ""

    def query(self, **override) -> str:
        params = {"period": self.period.code, "sex": self.sex, "age": self.age}
        if self.indicator is not None:
            params["indicator"] = self.indicator.code
        params.update(override)
        return "&".join(f"{k}={v}" for k, v in params.items() if v)


def parse_filters(user, params) -> Filters:
    today = today_tehran()
    periods = sorted(
        fact_periods(today), key=lambda p: (p.year, {"year": 0, "season": 1, "month": 2}[p.kind], p.index)
    )
    codes = {p.code: p for p in periods}
    period = codes.get(params.get("period", "")) or Period.containing(today, "year")
    sex = params.get("sex", "")
    age = params.get("age", "")
    indicators = {i.code: i for i in selectors.active_indicators(user=user)}
    indicator = indicators.get(params.get("indicator", "")) or next(iter(indicators.values()), None)
    return Filters(
        period=period,
        sex=sex if sex in SEXES else "",
        age=age if age in AGE_GROUP_CODES else "",
        indicator=indicator,
        periods=periods,
    )


def filter_choices() -> dict:
    return {
        "sexes": [("", _("everyone")), ("female", _("women and girls")), ("male", _("men and boys"))],
        "ages": [("", _("all ages")), *AGE_GROUP_CHOICES],
    }


# --------------------------------------------------------------------------- tables


def scope_place(user):
    """The place a user's dashboard is about and its level."""
    if user.role in (Role.OFFICE_MANAGER, Role.PR_OFFICER, Role.FACILITATOR):
        return Level.OFFICE, user.office
    if user.role == Role.PROVINCE_COORDINATOR:
        return Level.PROVINCE, user.province
    return Level.NATION, None


def row_level(user) -> str:
    """The rows of the main table: provinces for the nation, offices for a province, the office's
    neighbourhoods for office staff."""
    return selectors.default_level(user)


def indicator_table(user, filters: Filters) -> dict:
    """One row per indicator: the scope's total in the period, with baseline, target and progress."""
    level, place = scope_place(user)
    year = filters.period.year
    rows = []
    for ind in selectors.active_indicators(user=user):
        key = filters.key if _supports(ind, filters.key) else ""
        if place is None:
            _r, total = selectors.indicator_values(
                user=user, indicator=ind, level=Level.NATION, period=filters.period.code, disaggregation=key
            )
        else:
            found, _t = selectors.indicator_values(
                user=user, indicator=ind, level=level, period=filters.period.code, disaggregation=key,
                place_ids=[place.pk],
            )  # fmt: skip
            total = found[0] if found else selectors.Figure(None, "", None, None, None, False)
        progress = selectors.progress_for(user=user, indicator=ind, level=level, place=place, year=year)
        rows.append(
            {
                "indicator": ind,
                "figure": total,
                "shown": shown(total, ind),
                "breakdown_applies": key == filters.key,
                "baseline": fmt(progress.baseline, ind),
                "target": fmt(progress.target, ind),
                "progress": progress,
            }
        )
    return {"rows": rows, "level": level, "place": place}


def _supports(ind: Indicator, key: str) -> bool:
    if not key:
        return True
    dims = set(ind.disaggregations)
    needs = {"sex" if part.startswith("sex=") else "age" for part in key.split("&")}
    return needs <= dims


def places_table(user, filters: Filters, level: str | None = None) -> dict:
    """The chosen indicator per place of the row level, with the total, and each place's progress."""
    ind = filters.indicator
    level = level or row_level(user)
    if ind is None:
        return {"rows": [], "total": None, "level": level}
    key = filters.key if _supports(ind, filters.key) else ""
    rows, total = selectors.indicator_values(
        user=user, indicator=ind, level=level, period=filters.period.code, disaggregation=key
    )
    out = []
    for fig in rows:
        progress = selectors.progress_for(
            user=user, indicator=ind, level=level, place=fig.place, year=filters.period.year
        )
        out.append({"figure": fig, "shown": shown(fig, ind), "progress": progress})
    return {"rows": out, "total": {"figure": total, "shown": shown(total, ind)}, "level": level, "key": key}


def ranking(table: dict) -> list[dict]:
    """Places ordered by progress to target (places without a target last)."""
    rows = [r for r in table["rows"]]
    return sorted(
        rows, key=lambda r: (r["progress"].ratio is None, -(r["progress"].ratio or 0), r["figure"].place_name)
    )


def trend(user, filters: Filters) -> dict:
    """Monthly figures of the chosen indicator over the covered years, with the yearly target and
    the baseline, for the chart and its table."""
    ind = filters.indicator
    if ind is None:
        return {}
    level, place = scope_place(user)
    months = [p for p in filters.periods if p.kind == "month"]
    key = filters.key if _supports(ind, filters.key) else ""
    series = selectors.indicator_series(
        user=user, indicator=ind, periods=months, disaggregation=key,
        level=level if place is not None else None, place_id=place.pk if place is not None else None,
    )  # fmt: skip
    plan = selectors.plan_current()
    targets, baseline = {}, None
    for year in sorted({p.year for p in months}):
        progress = selectors.progress_for(
            user=user, indicator=ind, level=level, place=place, year=year, plan=plan
        )
        targets[year] = progress.target
        baseline = progress.baseline
    persian = is_persian()
    points = []
    for period, fig in series:
        points.append(
            {
                "label": period.label(None),
                "value": None if fig.suppressed or fig.value is None else round(fig.value, 2),
                "shown": shown(fig, ind),
                "target": targets.get(period.year),
                "target_shown": fmt(targets.get(period.year), ind),
            }
        )
    return {
        "indicator": ind,
        "points": points,
        "baseline": baseline,
        "baseline_shown": fmt(baseline, ind),
        "chart": {
            "labels": [p["label"] for p in points],
            "values": [p["value"] for p in points],
            "targets": [p["target"] for p in points],
            "baseline": baseline,
            "names": {"value": ind.name, "target": _("target"), "baseline": _("baseline")},
            "persian": persian,
            "unit": ind.get_unit_display(),
        },
    }


def map_features(user, filters: Filters) -> dict:
    """The neighbourhoods' boundaries with the chosen indicator, for the choropleth and its table."""
    ind = filters.indicator
    if ind is None:
        return {}
    key = filters.key if _supports(ind, filters.key) else ""
    rows, _total = selectors.indicator_values(
        user=user, indicator=ind, level=Level.NEIGHBOURHOOD, period=filters.period.code, disaggregation=key
    )
    by_pk = {fig.place_id: fig for fig in rows}
    features = []
    for hood in selectors.places_in_scope(user, Level.NEIGHBOURHOOD):  # as the figures' places
        if not hood.boundary:
            continue
        fig = by_pk.get(hood.pk)
        value = None if fig is None or fig.suppressed or fig.value is None else round(fig.value, 2)
        features.append(
            {
                "type": "Feature",
                "geometry": hood.boundary,
                "properties": {
                    "name": hood.name,
                    "kind": hood.kind,
                    "value": value,
                    "shown": shown(fig, ind) if fig is not None else "—",
                    "url": reverse("geo:neighbourhood_detail", args=[hood.pk]),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --------------------------------------------------------------------------- the facilitator's own work


#: The home page's counts of an office's residents stop here (the figure then reads "more than").
COUNT_CAP = 10_000


@dataclass(frozen=True)
class Capped:
    """A count that stopped at COUNT_CAP: ``n`` rows, and ``more`` when there were more than that."""

    n: int
    more: bool


def capped_count(qs) -> Capped:
    """Counts up to COUNT_CAP: a home-page tile costs the same for an office of 20,000 residents
    and of a million (an index-only count of 200,000 took 30 ms; issue #10)."""
    n = qs.order_by()[: COUNT_CAP + 1].count()
    return Capped(min(n, COUNT_CAP), n > COUNT_CAP)


def facilitator_panel(user) -> dict:
    from mahalleh.activities import selectors as activities
    from mahalleh.referrals import selectors as referrals
    from mahalleh.registry import selectors as registry

    today = local_date(datetime.datetime.now(datetime.UTC))
    week_end = today + datetime.timedelta(days=6 - (today.weekday() + 2) % 7)  # to Friday
    month = Period.containing(today, "month")
    open_cases = registry.harm_case_list(user=user).exclude(status="resolved")
    overdue = referrals.referral_list(user=user, overdue=True, today=today)
    sessions = activities.session_list(user=user, today=today).filter(date__gte=today, date__lte=week_end)
    households = registry.household_list(user=user).filter(
        on_days("created_at", month.first_day, month.last_day)
    )
    # No registry consent in force: none recorded, or the latest one withdrawn (as the household
    # list's "consent missing" filter counts them).
    no_consent = registry.person_list(user=user, status="active").filter(registry_consent=False)
    # The week's sessions read once: today's are among them (the week starts today).
    week = list(sessions.order_by("date", "start_time"))
    # The tiles' counts stop at COUNT_CAP, and then say "more than".
    return {
        "open_cases": capped_count(open_cases),
        "overdue": capped_count(overdue),
        "overdue_list": list(overdue[:10]),
        "sessions_today": [s for s in week if s.date == today],
        "sessions_week": week[:20],
        "households_month": capped_count(households),
        "month": month,
        "consents_missing": capped_count(no_consent),
    }


def staff_activity(user, filters: Filters) -> list[dict]:
    """Per facilitator of the office: sessions held and households registered in the period (two
    grouped counts for the whole office, not two queries per member)."""
    from mahalleh.accounts.selectors import user_list
    from mahalleh.activities import selectors as activities
    from mahalleh.registry import selectors as registry

    period = filters.period
    members = list(user_list(user=user).filter(office=user.office, is_active=True))
    ids = [m.pk for m in members]
    sessions = dict(
        activities.session_list(user=user)
        .filter(activity__facilitator__in=ids, date__gte=period.first_day, date__lte=period.last_day)
        .order_by()
        .values_list("activity__facilitator")
        .annotate(n=Count("pk"))
    )
    households = dict(
        registry.household_list(user=user)
        .filter(on_days("created_at", period.first_day, period.last_day), created_by__in=ids)
        .order_by()
        .values_list("created_by")
        .annotate(n=Count("pk"))
    )
    return [
        {"user": m, "sessions": sessions.get(m.pk, 0), "households": households.get(m.pk, 0)} for m in members
    ]


def pending_manual(user):
    return selectors.manual_value_list(user=user, status=ManualValue.Status.PENDING)
