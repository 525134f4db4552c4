"""Every read of indicator figures, scoped by the user and suppressed by their role.

This is the API other apps use (reports, the story portal): never the Fact table directly.

* :func:`indicator_values` — one indicator, one period, one breakdown, per place of a level
  (neighbourhood, office, province) with the total of the user's scope; suppressed for
  aggregate-only roles, exact for staff who may see personal data.
* :func:`indicator_series` — the same figure over the periods of a plan (trend charts).
* :func:`progress_for` — value, baseline, target, progress and status of a place in a year.
* :func:`public_figures` — anonymous, suppressed figures per province or office.
* :func:`last_refreshed` — when the fact table was last refreshed.

All reads of the fact table go through :func:`_facts`, so a database router can send them to a
replica with one line (``.using(...)``) when one is configured.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from mahalleh.accounts.models import Role
from mahalleh.core import scoping
from mahalleh.core.jalali import Period
from mahalleh.core.selectors import narrowed
from mahalleh.geo.models import Neighbourhood, Office, Province
from mahalleh.indicators.computed import AGE_GROUP_CODES, NATIONALITIES, SEXES
from mahalleh.indicators.models import (
    Fact,
    Indicator,
    Level,
    ManualValue,
    Plan,
    ProvinceFact,
    RefreshState,
    Target,
)
from mahalleh.indicators.suppression import Cell, suppress

FEWER_THAN_5 = _("fewer than 5")

# One page (a dashboard, a report) reads the same places, periods and targets for every indicator:
# inside `batched()`, those reads are made once for all indicators and kept until the block ends.
_batch: contextvars.ContextVar[dict | None] = contextvars.ContextVar("indicator_batch", default=None)


@contextlib.contextmanager
def batched():
    """Read facts, places and targets once per page for all indicators (the figures are the same as
    without it; tests/indicators/test_batched.py compares the two)."""
    token = _batch.set({})
    try:
        yield
    finally:
        _batch.reset(token)


def _user_key(user, key: tuple) -> tuple:
    return (getattr(user, "pk", None), getattr(user, "role", None), *key)


def _remembered(key, compute, user=None):
    """compute() once per batch for `key` (and the user it is read for: their scope and role)."""
    memo = _batch.get()
    if memo is None:
        return compute()
    if user is not None:
        key = _user_key(user, key)
    if key not in memo:
        memo[key] = compute()
    return memo[key]


LEVEL_COLUMN = {
    Level.NEIGHBOURHOOD: "neighbourhood_id",
    Level.OFFICE: "neighbourhood__office_id",
    Level.PROVINCE: "neighbourhood__county__province_id",
    Level.NATION: None,
}
COLUMN_LEVEL = {column: level for level, column in LEVEL_COLUMN.items() if column}
LEVEL_MODEL = {Level.NEIGHBOURHOOD: Neighbourhood, Level.OFFICE: Office, Level.PROVINCE: Province}


# --------------------------------------------------------------------------- who sees what


def can_see_indicators(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role != Role.PARTNER_USER)


def exact_figures(user) -> bool:
    """Staff who may see personal data see exact figures; aggregate-only roles see suppressed ones."""
    return can_see_indicators(user) and user.sees_personal_data


def can_edit_targets(user) -> bool:
    return can_see_indicators(user) and (
        user.is_superuser
        or user.role in {Role.NATIONAL_ADMIN, Role.PROVINCE_COORDINATOR, Role.OFFICE_MANAGER}
    )


def can_enter_manual(user) -> bool:
    return can_see_indicators(user) and user.role in {Role.OFFICE_MANAGER, Role.FACILITATOR}


def can_approve_manual(user) -> bool:
    return can_see_indicators(user) and user.role == Role.OFFICE_MANAGER


def can_edit_catalogue(user) -> bool:
    return can_see_indicators(user) and (user.is_superuser or user.role == Role.NATIONAL_ADMIN)


def indicator_list(*, user, include_inactive: bool = False):
    if not can_see_indicators(user):
        return Indicator.objects.none()
    qs = Indicator.objects.all()
    if not (include_inactive and can_edit_catalogue(user)):
        qs = qs.filter(active=True)
    return qs


def active_indicators(*, user) -> list[Indicator]:
    """The active indicators as a list, read once per batch (a dashboard needs them three times)."""
    return _remembered(("indicators",), lambda: list(indicator_list(user=user)), user)


def indicator_get(*, user, code: str) -> Indicator:
    return indicator_list(user=user, include_inactive=True).get(code=code)


def plan_current() -> Plan | None:
    return _remembered("plan", lambda: Plan.objects.order_by("-first_year").first())


def plan_list(*, user):
    return Plan.objects.all() if can_see_indicators(user) else Plan.objects.none()


def place_q(user, level: str, prefix: str = "") -> Q:
    return {
        Level.NEIGHBOURHOOD: scoping.neighbourhood_q,
        Level.OFFICE: scoping.office_q,
        Level.PROVINCE: scoping.province_q,
    }[level](user, prefix)


def places(*, user, level: str):
    """The places of a level the user may see (nation: none; the total stands for it)."""
    if level == Level.NATION or not can_see_indicators(user):
        return LEVEL_MODEL.get(level, Province).objects.none()
    qs = LEVEL_MODEL[level].objects.filter(place_q(user, level))
    if level == Level.PROVINCE:
        qs = qs.distinct()  # office staff's provinces are found through their counties' offices
    if level == Level.NEIGHBOURHOOD:
        qs = qs.select_related("office")
    return qs.order_by("name_fa")


def default_level(user) -> str:
    if user.is_national:
        return Level.PROVINCE
    if user.role == Role.PROVINCE_COORDINATOR:
        return Level.OFFICE
    return Level.NEIGHBOURHOOD


# --------------------------------------------------------------------------- facts


def _facts():
    # The one place the fact table is read: a replica router can route it later.
    return Fact.objects.all()


def _scoped_facts(user):
    return _facts().filter(scoping.neighbourhood_q(user, "neighbourhood__"))


def siblings(key: str) -> list[list[str]]:
    """The groups of breakdown keys that add up to another key (for complementary suppression)."""
    if key == "":
        return [
            ["", *[f"sex={s}" for s in SEXES]],
            ["", *[f"age={a}" for a in AGE_GROUP_CODES]],
            ["", *[f"nat={n}" for n in NATIONALITIES]],
        ]
    if "&" in key:
        age = key.split("&")[1]
        return [[age, *[f"sex={s}&{age}" for s in SEXES]]]
    dim = key.split("=")[0]
    group = {"sex": SEXES, "age": AGE_GROUP_CODES, "nat": NATIONALITIES}[dim]
    return [["", *[f"{dim}={v}" for v in group]]]


@dataclass
class Figure:
    place_id: int | None
    place_name: str
    numerator: float | None
    denominator: float | None
    value: float | None
    suppressed: bool
    place: object = None

    @property
    def shown(self) -> str:
        return str(FEWER_THAN_5) if self.suppressed else ("" if self.value is None else self.value)


def _aggregate(qs, column):
    fields = [column] if column else []
    rows = qs.values(*fields, "disaggregation").order_by().annotate(n=Sum("numerator"), d=Sum("denominator"))
    return {(r[column] if column else None, r["disaggregation"]): (r["n"], r["d"]) for r in rows}


def _sums(user, indicator, period, keys, *, group, where, place_pks):
    """{(place or None, breakdown): (numerator, denominator)} of one indicator in a period, summed by
    the `group` column (None: one total), over the places `place_pks` of the `where` column (None:
    the user's whole scope). Inside `batched()` one query serves every indicator."""
    wanted = set(keys)

    def query(qs):
        if where and place_pks is not None:
            qs = qs.filter(**{f"{where}__in": list(place_pks)})
        return qs

    if _batch.get() is None:
        qs = query(
            _scoped_facts(user).filter(indicator=indicator, period=period or None, disaggregation__in=wanted)
        )
        return _aggregate(qs, group)

    # Batched: the scope's facts of the period for these breakdowns, summed per place of the column
    # (or in all), read once; a subset of places is picked (and, for its total, added up) here.
    column = where or group
    ordered = tuple(sorted(wanted))
    if column is None:
        # The whole scope is one office or one province (an office's staff, a province's
        # coordinator): its total is the sum of the table that place's own figures come from
        # (the same facts, grouped), not one more query.
        column = _single_place_column(user)
    key, only = _sums_key(user, period, column, ordered, indicator)
    table = _remembered(key, lambda: _sums_by(user, period, column, ordered, only), user)
    mine = table.get(indicator.pk, {})
    if group is None and where is None and column is not None:  # the scope's total, folded
        return _folded(mine.values())
    if place_pks is None or column is None:
        return {(place, key): v for place, cells in mine.items() for key, v in cells.items()}
    if group:
        return {(place, key): v for place in set(place_pks) for key, v in mine.get(place, {}).items()}
    return _folded(mine.get(place, {}) for place in set(place_pks))


def _single_place_column(user) -> str | None:
    """The column of the office or province level when the user's scope is one such place (never
    for a national scope: that would read every office to find out)."""
    if user.is_national:
        return None
    for level in (Level.OFFICE, Level.PROVINCE):
        if len(places_in_scope(user, level)) == 1:
            return LEVEL_COLUMN[level]
    return None


def _folded(tables) -> dict:
    """{(None, breakdown): (Σ numerator, Σ denominator)} over places' {breakdown: (n, d)} tables."""
    totals: dict = {}
    for cells in tables:
        for key, (n, d) in cells.items():
            tn, td = totals.get((None, key), (None, None))
            totals[(None, key)] = (_add(tn, n), _add(td, d))
    return totals


def _add(a, b):
    """SQL's SUM: NULLs are left out, and a sum of NULLs only is NULL."""
    if a is None:
        return b
    return a if b is None else a + b


def _whole_provinces(user) -> bool:
    """National roles (and the public) and a province coordinator see whole provinces: their sums
    per province and in all can be read from the provinces' summed facts."""
    return bool(user.is_national or user.role == Role.PROVINCE_COORDINATOR)


def _source(user, column):
    """(queryset, column in it) to sum a period's figures from: the provinces' summed facts when
    the place is a province or the whole scope of a user who sees whole provinces (31 rows a cell
    instead of a thousand neighbourhoods'), else the neighbourhoods' facts in the user's scope."""
    if column in (None, LEVEL_COLUMN[Level.PROVINCE]) and _whole_provinces(user):
        rollup = ProvinceFact.objects.filter(scoping.province_q(user, "province__"))
        return rollup, ("province_id" if column else None)
    return _scoped_facts(user), column


def _sums_key(user, period, column, keys, indicator) -> tuple[tuple, int | None]:
    """The batch's key for a period's sums by ``column``, and the indicator to read them for (None:
    every indicator). Many indicators of one place (a scope's indicator table) are read together;
    one indicator over many places (a ranking, a map) is read alone, not every indicator's cells."""
    level = COLUMN_LEVEL.get(column)
    many = level is not None and len(places_in_scope(user, level)) > 1
    only = indicator.pk if many else None
    return ("sums", period, column, keys, only), only


def places_in_scope(user, level) -> list:
    """:func:`places` as a list, read once per batch."""
    return _remembered(("places", level), lambda: list(places(user=user, level=level)), user)


def _place_positions(user, level) -> dict[int, int]:
    """{place id: its index in the batch's :func:`places_in_scope`}."""

    def index():
        return {p.pk: i for i, p in enumerate(places_in_scope(user, level))}

    return _remembered(("place positions", level), index, user)


def _sums_by(user, period, column, keys, indicator_id=None) -> dict:
    """{indicator id: {place or None: {breakdown: (numerator, denominator)}}} for one period and
    the breakdowns ``keys`` (of one indicator, or all)."""
    qs, source = _source(user, column)
    if indicator_id is not None:
        qs = qs.filter(indicator_id=indicator_id)
    table: dict = defaultdict(lambda: defaultdict(dict))
    for indicator_id, place, key, n, d in _summed(qs.filter(period=period), "indicator_id", source, keys):
        table[indicator_id][place][key] = (n, d)
    return table


def _summed(qs, by: str, source: str | None, keys):
    """(by, place or None, breakdown, Σ numerator, Σ denominator) rows of the breakdowns ``keys``."""
    fields = [by, *([source] if source else []), "disaggregation"]
    rows = qs.filter(disaggregation__in=keys).values_list(*fields).order_by()
    for row in rows.annotate(n=Sum("numerator"), d=Sum("denominator")):
        yield row if source else (row[0], None, *row[1:])


def _keys(disaggregation: str) -> tuple[str, ...]:
    """The breakdown and its siblings (complementary suppression needs them all), in order."""
    return tuple(sorted({k for group in siblings(disaggregation) for k in group} | {disaggregation}))


def indicator_values(
    *, user, indicator: Indicator, level: str, period: str, disaggregation: str = "", place_ids=None
) -> tuple[list[Figure], Figure]:
    """Per place of ``level`` in the user's scope (optionally only ``place_ids``), the figure of
    ``indicator`` in ``period`` for the breakdown ``disaggregation``, and the total of those places.

    Aggregate-only roles get small cells suppressed, complementary suppression included (across
    the places with their total, and across the breakdown's siblings within each place).
    """
    if not can_see_indicators(user):
        return [], Figure(None, "", None, None, None, False)
    column = LEVEL_COLUMN[level]
    place_rows = []
    if column:
        place_rows = places_in_scope(user, level)
    if place_ids is not None:
        wanted = {int(p) for p in place_ids}
        if _batch.get() is None:
            place_rows = [p for p in place_rows if p.pk in wanted]
        else:  # the batch's places, looked up (a table asks for one place at a time)
            position = _place_positions(user, level)
            place_rows = [place_rows[i] for i in sorted(position[pk] for pk in wanted if pk in position)]
    keys = list(_keys(disaggregation))
    pks = [p.pk for p in place_rows]
    subset = pks if column and place_ids is not None else None
    where = column if subset is not None else None
    by_place = {}
    if column:
        by_place = _sums(user, indicator, period, keys, group=column, where=where, place_pks=subset)
    totals = _sums(user, indicator, period, keys, group=None, where=where, place_pks=subset)
    exact = exact_figures(user)
    # Exact figures need the asked breakdown only; suppression looks at its siblings too.
    shown_keys = [disaggregation] if exact else keys
    cells: dict[tuple, Cell] = {}
    for pk in pks:
        for key in shown_keys:
            n, d = by_place.get((pk, key), (None, None))
            cells[(pk, key)] = Cell(pk, key, n, d)
    for key in shown_keys:
        n, d = totals.get((None, key), (None, None))
        cells[("total", key)] = Cell(None, key, n, d)
    if not exact:
        groups = []
        for key in keys:  # the places of one breakdown with their total
            groups.append([cells[(pk, key)] for pk in pks] + [cells[("total", key)]])
        for owner in [*pks, "total"]:
            for group in siblings(disaggregation):
                groups.append([cells[(owner, k)] for k in group if (owner, k) in cells])
        suppress(indicator, cells.values(), groups)

    def figure(cell: Cell, place=None, name="") -> Figure:
        value = None if cell.suppressed else indicator.value_of(cell.numerator, cell.denominator)
        if cell.suppressed:
            return Figure(cell.place, name, None, None, None, True, place)
        return Figure(cell.place, name, cell.numerator, cell.denominator, value, False, place)

    rows = [figure(cells[(pk, disaggregation)], p, p.name) for pk, p in zip(pks, place_rows, strict=True)]
    total = figure(cells[("total", disaggregation)], None, str(_("Total")))
    return rows, total


def indicator_series(
    *, user, indicator: Indicator, periods: list[Period], disaggregation: str = "", level=None, place_id=None
) -> list[tuple[Period, Figure]]:
    """The total of the user's scope (or one place) for each period, suppressed like the tables."""
    # One indicator over many periods: its facts of every period in one query, then each period's
    # figure (and suppression) from them, as `batched()` does for many indicators of one period.
    # Inside a page's batch, on a copy of its memo: the places read for the page serve here too,
    # and the series' one-indicator tables do not stand in for the page's all-indicator ones.
    outer = _batch.get()
    token = _batch.set(dict(outer) if outer is not None else {})
    try:
        column = LEVEL_COLUMN[level] if (level and place_id) else None
        codes = [p.code for p in periods]
        keys = _keys(disaggregation)
        qs, source = _source(user, column)
        tables = {code: {indicator.pk: defaultdict(dict)} for code in codes}
        for code, place, key, n, d in _summed(
            qs.filter(indicator=indicator, period__in=codes), "period", source, keys
        ):
            tables[code][indicator.pk][place][key] = (n, d)
        memo = _batch.get()
        for code, table in tables.items():
            key, _only = _sums_key(user, code, column, keys, indicator)
            memo[_user_key(user, key)] = table
        return _series(user, indicator, periods, disaggregation, level, place_id)
    finally:
        _batch.reset(token)


def _series(user, indicator, periods, disaggregation, level, place_id):
    out = []
    for period in periods:
        if level and place_id:
            rows, _total = indicator_values(
                user=user,
                indicator=indicator,
                level=level,
                period=period.code,
                disaggregation=disaggregation,
                place_ids=[place_id],
            )
            fig = rows[0] if rows else Figure(None, "", None, None, None, False)
        else:
            _rows, fig = indicator_values(
                user=user,
                indicator=indicator,
                level=Level.NATION,
                period=period.code,
                disaggregation=disaggregation,
            )
        out.append((period, fig))
    return out


def fact_list(*, user, indicator=None, period=None, disaggregation=None, neighbourhood=None):
    """Neighbourhood-level facts for the API: staff with personal-data access only (the others get
    the suppressed aggregates of :func:`indicator_values`)."""
    if not exact_figures(user):
        return Fact.objects.none()
    qs = _scoped_facts(user).select_related("indicator", "neighbourhood")
    qs = narrowed(
        qs,
        indicator=indicator,
        period=period or None,
        disaggregation=disaggregation,
        neighbourhood_id=neighbourhood,
    )
    return qs.order_by("pk")


def last_refreshed() -> datetime.datetime | None:
    state = RefreshState.objects.filter(pk=1).first()
    return state.last_refresh_at if state else None


# --------------------------------------------------------------------------- targets and progress


def target_list(*, user, plan=None, indicator=None):
    if not can_see_indicators(user):
        return Target.objects.none()
    q = Q(level=Level.NATION)
    q |= Q(level=Level.PROVINCE) & scoping.province_q(user, "province__")
    q |= Q(level=Level.OFFICE) & scoping.office_q(user, "office__")
    q |= Q(level=Level.NEIGHBOURHOOD) & scoping.neighbourhood_q(user, "neighbourhood__")
    qs = Target.objects.filter(q).select_related("indicator", "plan", "province", "office", "neighbourhood")
    return narrowed(qs, plan=plan, indicator=indicator).distinct()


def _level_targets(user, plan, level: str):
    """The plan's targets at one level in the user's scope: the places of that level only (one
    scope join, none of :func:`target_list`'s OR over four levels, DISTINCT and ordering)."""
    if not can_see_indicators(user):
        return Target.objects.none()
    qs = Target.objects.filter(plan=plan, level=level)
    if level != Level.NATION:
        qs = qs.filter(place_q(user, level, f"{level}__"))
    return qs.order_by()


@dataclass
class Progress:
    indicator: Indicator
    year: int
    value: float | None
    baseline: float | None
    target: float | None
    suppressed: bool

    ON_TRACK_FROM = 0.75

    @property
    def ratio(self) -> float | None:
        if None in (self.value, self.baseline, self.target) or self.target == self.baseline:
            return None
        return (self.value - self.baseline) / (self.target - self.baseline)

    @property
    def status(self) -> str | None:
        """reached (≥ 100 % of the way), on_track (≥ 75 %), behind; None without the figures."""
        r = self.ratio
        if r is None:
            return None
        if r >= 1:
            return "reached"
        return "on_track" if r >= self.ON_TRACK_FROM else "behind"

    @property
    def status_label(self) -> str:
        return {
            "reached": _("reached"),
            "on_track": _("on track"),
            "behind": _("behind"),
            None: _("no target"),
        }[self.status]

    @property
    def percent(self) -> float | None:
        r = self.ratio
        return None if r is None else round(100 * r)

    @property
    def percent_shown(self) -> str:
        """``۸۰٪`` / ``80%``; ``—`` without a target."""
        from mahalleh.core.i18n import is_persian
        from mahalleh.core.persian import to_persian_digits

        if self.percent is None:
            return "—"
        return to_persian_digits(f"{self.percent}٪") if is_persian() else f"{self.percent}%"


def progress_for(*, user, indicator: Indicator, level: str, place=None, year: int, plan=None) -> Progress:
    """Progress = (value − baseline) / (target − baseline) of one place (None: the user's whole
    scope at ``level`` nation) in a Jalali year. The baseline is the typed one, else the figure of
    the plan's baseline year. Suppressed figures give no progress."""
    plan = plan or plan_current()
    place_ids = [place.pk] if place is not None else None

    def figure(period_code):
        if place is None:
            _rows, fig = indicator_values(
                user=user, indicator=indicator, level=Level.NATION, period=period_code
            )
        elif _batch.get() is not None and exact_figures(user):
            # A table of places asks for each place's progress: inside a batch every place of the
            # level is read in one call. Exact figures only: a place's figure does not depend on
            # the others' (suppression, for aggregate-only roles, does).
            def every_place():
                rows, _total = indicator_values(
                    user=user, indicator=indicator, level=level, period=period_code
                )
                return {fig.place_id: fig for fig in rows}

            key = ("place figures", indicator.pk, level, period_code)
            fig = _remembered(key, every_place, user).get(place.pk) or Figure(
                None, "", None, None, None, False
            )
        else:
            rows, _total = indicator_values(
                user=user, indicator=indicator, level=level, period=period_code, place_ids=place_ids
            )
            fig = rows[0] if rows else Figure(None, "", None, None, None, False)
        return fig

    current = figure(str(year))
    targets = {}
    if plan is not None:
        level_of = Level.NATION if place is None else level
        if _batch.get() is None:
            rows = _level_targets(user, plan, level_of).filter(indicator=indicator)
            if place is not None:
                rows = rows.filter(**{level: place})
            targets = dict(rows.values_list("year", "value"))
        else:  # the plan's targets of this level, every place and indicator, read once
            column = None if place is None else f"{level}_id"

            def read():
                fields = ["indicator_id", "year", "value", *([column] if column else [])]
                by_place = defaultdict(lambda: defaultdict(dict))
                for row in _level_targets(user, plan, level_of).values_list(*fields):
                    owner = row[3] if column else None
                    by_place[owner][row[0]][row[1]] = row[2]
                return by_place

            key = ("targets", plan.pk, level_of)
            mine = _remembered(key, read, user).get(getattr(place, "pk", None), {})
            targets = mine.get(indicator.pk, {})
    baseline = targets.get(plan.baseline_year) if plan else None
    if baseline is None and plan is not None:
        base_fig = figure(str(plan.baseline_year))
        baseline = None if base_fig.suppressed else base_fig.value
    return Progress(
        indicator=indicator,
        year=year,
        value=current.value,
        baseline=baseline,
        target=targets.get(year),
        suppressed=current.suppressed,
    )


# --------------------------------------------------------------------------- manual values


def manual_value_list(*, user, status=None):
    if not can_see_indicators(user) or not user.sees_personal_data:
        return ManualValue.objects.none()
    qs = ManualValue.objects.filter(scoping.neighbourhood_q(user, "neighbourhood__")).select_related(
        "indicator", "neighbourhood", "entered_by"
    )
    if status:
        qs = qs.filter(status=status)
    return qs


# --------------------------------------------------------------------------- public figures


class _Public:
    """The public's view: a role that sees everything, aggregated and suppressed."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_national = True
    role = Role.NATIONAL_ANALYST
    sees_personal_data = False
    pk = None


PUBLIC = _Public()


def public_figures(*, indicator: Indicator, period: str, level: str = Level.PROVINCE, place_ids=None):
    """Figures anyone may see (the story portal): per province or office, with small counts and
    their complements suppressed, as for the national analyst."""
    if level not in (Level.PROVINCE, Level.OFFICE, Level.NATION) or not indicator.active:
        return [], Figure(None, "", None, None, None, False)
    return indicator_values(
        user=PUBLIC, indicator=indicator, level=level, period=period or None, place_ids=place_ids
    )
