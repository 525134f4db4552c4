"""Keeping the fact table in step with the registry: incremental refresh and full rebuild.

The unit of work is one neighbourhood: its facts for every period are recomputed together, in one
transaction, from its rows. A neighbourhood becomes dirty when

* a save or delete of a registry, activity, referral or group row that touches it sends a signal
  (``indicators.signals``: the indicators app listens to the lower layers; they never import it), or
* a row written by set-based SQL (the importer, bench data, attendance upserts) carries an
  ``updated_at`` newer than the last sweep's watermark, or
* the month changed since the last refresh (stock figures move to the new current periods).

An incremental refresh recomputes the dirty neighbourhoods; a full rebuild recomputes all of
them. Both run the same code per neighbourhood, so they agree (a property test checks it).

Most of a day's changes touch fields that only stock indicators read (employment, school
enrolment, insurance, vulnerability: ``computed.STOCK_ONLY_FIELDS``). Such a neighbourhood is
marked ``stock_only`` and only its stock facts of the current periods are recomputed, from its
persons, households and skills enrolments. A signal knows the old values; for set-based writes the
sweep compares the rows with the snapshot the refresh wrote of what the facts were computed from
(``PersonSnapshot``, ``HouseholdSnapshot``; the database compares, so rows rewritten unchanged
cost no Python): a change it cannot prove stock-only recomputes every period. Facts are written
as a difference: only rows whose figures changed are written, updated in place (``_upsert``).

A resident changed by set-based SQL in stock-only fields alone (a day's import of employment, say)
does not even recompute the neighbourhood: every stock indicator is a sum over households of what
their residents add (a test checks it), so the facts move by the difference between the changed
households evaluated with the snapshot's values and with today's (``apply_changes``). That is exact
while the stock facts describe today, so the first refresh of a new day recomputes the stock facts
of every neighbourhood (ages and six-month windows move with the day: ``RefreshState.stock_day``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import FloatField, Min, Q
from django.utils import timezone

from mahalleh.core.jalali import Period, local_date
from mahalleh.geo.models import County, Neighbourhood
from mahalleh.indicators import catalogue
from mahalleh.indicators.computed import (
    FLOW_FIELDS,
    FLOW_REACH_DAYS,
    REGISTRY,
    ROW_FIELDS,
    HarmRow,
    HoodData,
    PersonRow,
    evaluate,
)
from mahalleh.indicators.models import (
    DirtyNeighbourhood,
    Fact,
    HouseholdSnapshot,
    Indicator,
    ManualValue,
    PersonSnapshot,
    Plan,
    ProvinceFact,
    RefreshState,
)

CHUNK = 20  # neighbourhoods loaded and written together
UPSERT_ROWS = 5000  # rows a statement when facts and snapshots are written (PostgreSQL)
# Rows committed a little after their updated_at was stamped must not slip under the watermark.
WATERMARK_OVERLAP = datetime.timedelta(minutes=5)


def today_tehran() -> datetime.date:
    return local_date(timezone.now())


# --------------------------------------------------------------------------- periods


def fact_years(today: datetime.date) -> list[int]:
    """The Jalali years the fact table covers: the plans' baseline years up to this year."""
    current = Period.containing(today, "year").year
    bounds = Plan.objects.order_by().values_list("baseline_year", "last_year")
    first = min((b for b, _last in bounds), default=current - 1)
    return list(range(min(first, current), current + 1))


def fact_periods(today: datetime.date) -> list[Period]:
    """Every month, season and year of the covered years that has begun by ``today``."""
    periods = []
    for year in fact_years(today):
        for kind, count in (("month", 12), ("season", 4), ("year", 1)):
            for index in range(1, count + 1):
                period = Period(kind, year, index)
                if period.first_day <= today:
                    periods.append(period)
    return periods


def current_periods(today: datetime.date) -> list[Period]:
    return [Period.containing(today, kind) for kind in ("month", "season", "year")]


# --------------------------------------------------------------------------- dirty marks


def mark_dirty(
    neighbourhood_ids: Iterable[int | None], *, stock_only: bool = False, since: datetime.date | None = None
) -> None:
    """Mark neighbourhoods out of date: every period, or (``stock_only``) the current periods'
    stock facts. ``since``: the earliest day of the flow rows changed, before and after the change;
    the periods that ended long enough before it keep their facts (``periods_reached``). Marks add
    up: a mark for every period is never narrowed by a stock-only one, and two days give the
    earlier; no day (``None``) stands for the earliest of all.

    Only dated flow rows carry a day, and they are no part of what the stock indicators read
    (``computed.STOCK_PARTS``): a mark with a day leaves the stock facts and the snapshots as they
    are (``DirtyNeighbourhood.stocks`` off), unless a mark without one adds up with it."""
    ids = {int(i) for i in neighbourhood_ids if i is not None}
    if not ids:
        return
    table = connection.ops.quote_name(DirtyNeighbourhood._meta.db_table)
    prep = {f: DirtyNeighbourhood._meta.get_field(f).get_db_prep_value for f in ("marked_at", "since")}
    now, day = prep["marked_at"](timezone.now(), connection), prep["since"](since, connection)
    earlier = "LEAST" if connection.vendor == "postgresql" else "MIN"
    stocks = stock_only or since is None
    # The old mark (d) and the new one (excluded): a stock-only mark's day means nothing.
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} AS d (neighbourhood_id, marked_at, stock_only, since, stocks) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (neighbourhood_id) DO UPDATE SET "
            "marked_at = excluded.marked_at, stock_only = d.stock_only AND excluded.stock_only, "
            "since = CASE WHEN d.stock_only THEN excluded.since WHEN excluded.stock_only THEN d.since "
            "WHEN d.since IS NULL OR excluded.since IS NULL THEN NULL "
            f"ELSE {earlier}(d.since, excluded.since) END, stocks = d.stocks OR excluded.stocks",
            [(i, now, stock_only, None if stock_only else day, stocks) for i in sorted(ids)],
        )


def periods_reached(periods: list[Period], since: datetime.date | None, today: datetime.date) -> list[Period]:
    """The periods whose flow facts a change of rows dated ``since`` or later can move (all of them
    for ``None``): those ending on or after it less ``computed.FLOW_REACH_DAYS``. The current
    periods always: their stock facts may be recomputed with the flows, and a row dated in the
    future moves no figure before today but may be seen there."""
    if since is None:
        return periods
    cutoff = min(since, today) - datetime.timedelta(days=FLOW_REACH_DAYS)
    return [p for p in periods if p.last_day >= cutoff]


def _batches(ids: list, size: int = 900) -> Iterable[list]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _id_lists(ids: list) -> Iterable[list]:
    """Ids in lists one ``field__any`` query takes: all of them as one array on PostgreSQL
    (``core.lookups``), 900 placeholders at a time on SQLite."""
    if connection.vendor == "postgresql":
        return [ids] if ids else []
    return _batches(ids)


def _upsert(model, fields: tuple[str, ...], rows: list[tuple], *, unique: tuple[str, ...]) -> None:
    """Write ``rows`` (values of ``fields``) into ``model``'s table: a row whose ``unique`` columns
    are already there is updated in place, the others inserted. No model instances: the refresh
    writes facts and snapshots by the ten thousand (a full rebuild 1.4 million facts at 200,000
    residents), and building and preparing ``bulk_create``'s objects cost as much as the database's
    work, which deleting changed rows first then inserting them doubled.

    PostgreSQL takes a few thousand rows a statement as one array a column (``unnest``): 200,000
    facts inserted in 3.2 s against 8.0 s one statement a row (``executemany``) and 8.5 s in
    multi-row ``VALUES`` as ``bulk_create`` writes them (2026-12-05). SQLite runs one statement a
    row, in its C loop (``executemany``)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    found = [model._meta.get_field(name) for name in fields]
    columns = [quote(f.column) for f in found]
    keys = [quote(model._meta.get_field(name).column) for name in unique]
    sets = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
    into = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)})"
    conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"{into} VALUES ({marks}) {conflict}", rows)
            return
        arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in found)
        sql = f"{into} SELECT * FROM unnest({arrays}) {conflict}"  # noqa: S608
        # An array holds one type: a figure computed as 3 and one as 2.5 are both sent as floats.
        floats = [isinstance(f, FloatField) for f in found]
        for part in _batches(rows, UPSERT_ROWS):
            values = [
                [v if v is None else float(v) for v in column] if to_float else list(column)
                for column, to_float in zip(zip(*part, strict=True), floats, strict=True)
            ]
            cursor.execute(sql, values)


# A changed resident: the row the facts were computed from (the snapshot) and the row now.
Change = tuple[PersonRow, PersonRow]


@dataclass
class Swept:
    """Neighbourhoods with rows written since the watermark: every period, or stock facts only;
    and per neighbourhood the residents changed in stock-only fields alone (``changed``)."""

    all: set[int]
    stock_only: set[int]
    changed: dict[int, list[Change]] = field(default_factory=dict)
    # Rows of the tables without snapshots read with a time inside the next sweep's overlap.
    seen: list[str] = field(default_factory=list)
    # Of ``all``: the earliest day of the flow rows swept, as in a dirty mark (None: every period).
    since: dict[int, datetime.date | None] = field(default_factory=dict)
    # Neighbourhoods whose residents or households changed (any of the above but dated flow rows):
    # their stock facts and snapshots are brought up to date whatever else is recomputed.
    stocks: set[int] = field(default_factory=set)

    def touch(self, hood: int, since: datetime.date | None = None) -> None:
        """Every period of ``hood`` from ``since`` on (from the first with None) is out of date."""
        self.all.add(hood)
        self.since[hood] = earliest(self.since[hood], since) if hood in self.since else since


def earliest(a: datetime.date | None, b: datetime.date | None) -> datetime.date | None:
    """The earlier of two marks' days, where None (every period) is earlier than any day."""
    return None if a is None or b is None else min(a, b)


def _unlike_snapshot(model, snapshot, since: datetime.datetime, fields, *, via: str = "") -> list[tuple]:
    """(id, neighbourhood, *fields) of the ``model`` rows written since ``since`` that differ from
    their snapshot or have none; ``via``: the foreign key whose row holds the neighbourhood.

    The comparison runs in the database: a day's import or the watermark's overlap rewrites rows
    unchanged by the hundred thousand, and reading them to compare in Python cost the refresh
    3 s per 100,000 (PostgreSQL, 2026-12-05). Null-safe, as the Python comparison it spares."""
    from mahalleh.registry.models import Household

    table, snap, hoods = (connection.ops.quote_name(m._meta.db_table) for m in (model, snapshot, Household))
    key = connection.ops.quote_name(snapshot._meta.pk.column)
    columns = [model._meta.get_field(name).column for name in fields]
    hood = "h.neighbourhood_id" if via else "r.neighbourhood_id"
    join = f"LEFT JOIN {hoods} h ON h.id = r.{model._meta.get_field(via).column} " if via else ""
    same = "".join(f" AND s.{c} IS NOT DISTINCT FROM r.{c}" for c in columns)
    since_value = model._meta.get_field("updated_at").get_db_prep_value(since, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.id, {hood}{''.join(f', r.{c}' for c in columns)} FROM {table} r {join}"  # noqa: S608
            f"WHERE r.updated_at > %s AND NOT EXISTS (SELECT 1 FROM {snap} s WHERE s.{key} = r.id "
            f"AND s.neighbourhood_id IS NOT DISTINCT FROM {hood}{same})",
            [since_value],
        )
        return cursor.fetchall()


def _sweep_persons(since: datetime.datetime, swept: Swept) -> None:
    """Persons written since ``since``, compared with the snapshot of what the facts were computed
    from: unchanged FLOW_FIELDS and neighbourhood make it a stock-only change."""
    from mahalleh.registry.models import Person

    rows = _unlike_snapshot(Person, PersonSnapshot, since, ROW_FIELDS, via="household")
    before: dict[int, tuple] = {}
    for batch in _id_lists([r[0] for r in rows]):
        for pid, *old in _raw(
            PersonSnapshot.objects.filter(person_id__any=batch).values_list(
                "person_id", "neighbourhood_id", *ROW_FIELDS
            )
        ):
            before[pid] = tuple(old)
    flow = slice(2, 2 + len(FLOW_FIELDS))  # of (neighbourhood, household, *flow fields, *stock fields)
    for pid, *now in rows:
        old = before.get(pid)
        if old is None or old[0] != now[0] or old[flow] != tuple(now[flow]):
            for h in (now[0], old[0] if old else None):
                if h is not None:
                    swept.touch(h)
        elif old != tuple(now):
            swept.changed.setdefault(now[0], []).append((PersonRow(pid, *old[1:]), PersonRow(pid, *now[1:])))


def _sweep_households(since: datetime.datetime, swept: Swept) -> None:
    """Households written since ``since``, compared with their snapshot: in the same neighbourhood
    with another vulnerability score, only the stock facts can have moved; with the same score,
    nothing did (who shares a household is in the residents' rows). A household written again
    unchanged (an import of the same file, a row inside the watermark's overlap) costs nothing."""
    from mahalleh.registry.models import Household

    rows = _unlike_snapshot(Household, HouseholdSnapshot, since, ("vulnerability",))
    before: dict[int, tuple[int, int | None]] = {}
    for batch in _id_lists([hid for hid, _hood, _score in rows]):
        for hid, *old in _raw(
            HouseholdSnapshot.objects.filter(household_id__any=batch).values_list(
                "household_id", "neighbourhood_id", "vulnerability"
            )
        ):
            before[hid] = tuple(old)
    for hid, hood, score in rows:
        old = before.get(hid)
        if old is None or old[0] != hood:
            for h in (hood, old and old[0]):
                if h is not None:
                    swept.touch(h)
        elif old[1] != score:
            swept.stock_only.add(hood)


SEEN_LIMIT = 50_000  # rows remembered from inside the overlap; past it, the next run sweeps them again


def sweep_since(
    since: datetime.datetime, *, seen: Iterable[str] = (), keep_after: datetime.datetime | None = None
) -> Swept:
    """Neighbourhoods with rows written since ``since`` (set-based writes send no signals).

    Harm cases, attendance, referrals, groups and manual values have no snapshot to be compared
    with, so a row inside the watermark's overlap would recompute its neighbourhood in two runs
    running. ``seen``: the rows (``Swept.seen``) the last run read there, with the time they had;
    they are passed over unless written again since. ``keep_after``: the rows to remember for the
    next run, those written after it (the next run's overlap starts there)."""
    from mahalleh.activities.models import Attendance
    from mahalleh.community.models import CommunityGroup
    from mahalleh.referrals.models import Referral
    from mahalleh.registry.models import HarmCase

    swept = Swept(all=set(), stock_only=set())
    _sweep_persons(since, swept)
    _sweep_households(since, swept)
    # (rows, their time column, their neighbourhood, their dates): the earliest of a row's dates bounds
    # the periods it moves (mark_dirty). The set-based writers of these tables insert rows or change
    # columns no figure reads (attendance's presence, a case's office), so the row's dates now are
    # all it ever had; a change through a form is marked with the old dates by its signal too.
    # A harm case written before ``since`` and saved again since moves the periods of its steps
    # recorded since (a step saves the case's status, which no figure reads), or none. A manual
    # value moves no computed figure (its own facts are written whole every time): the day it was
    # written stands for it.
    cases = HarmCase.objects.annotate(
        first_step=Min("events__on"), new_step=Min("events__on", filter=Q(events__at__gt=since))
    )
    on_person = "person__household__neighbourhood_id"
    sources = [
        (cases, "updated_at", on_person, ("created_at", "identified_on", "first_step", "new_step")),
        (Attendance.objects, "recorded_at", on_person, ("session__date",)),
        (Referral.objects, "updated_at", on_person, ("created_at", "due_on", "accepted_at", "closed_at")),
        (CommunityGroup.objects, "updated_at", "neighbourhood_id", ("founded_on",)),
        (ManualValue.objects, "updated_at", "neighbourhood_id", ("updated_at",)),
    ]
    seen = set(seen)
    for rows, stamp, column, dates in sources:
        model = rows.model
        rows = rows.filter(**{f"{stamp}__gt": since}).order_by().values_list("pk", stamp, column, *dates)
        for pk, at, hood, *days in rows:
            key = f"{model._meta.label_lower}:{pk}:{at.isoformat()}"
            if keep_after is not None and at > keep_after:
                swept.seen.append(key)
            if model is HarmCase:
                created, *dates_of_case, steps = days
                if created <= since and steps is None:
                    continue  # saved again with no step since: no figure moved
                days = dates_of_case if created > since else [steps]
            if hood is not None and key not in seen:
                swept.touch(hood, min((local_date(d) for d in days if d is not None), default=None))
    if len(swept.seen) > SEEN_LIMIT:
        swept.seen = []
    swept.stocks = swept.stock_only | set(swept.changed)
    swept.stock_only -= swept.all
    for hood in swept.all:
        swept.changed.pop(hood, None)
    return swept


# --------------------------------------------------------------------------- loading


def _raw(rows_query) -> list[tuple]:
    """The rows of a ``values_list`` query as the database driver gives them: psycopg and Django's
    SQLite connection already type dates and yes/no columns, so Django's per-value converters are
    left out (a fifth of a stock-only refresh's time went to them, for the residents' rows)."""
    sql, params = rows_query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _skills(where: Q):
    """(person, enrolled on, left on, course starts on, course ends on) of skills courses."""
    from mahalleh.activities.models import Activity, Enrolment

    return (
        Enrolment.objects.filter(where, activity__kind=Activity.Kind.SKILLS)
        .order_by()
        .values_list("person_id", "enrolled_on", "left_on", "activity__starts_on", "activity__ends_on")
    )


def load(hood_ids: list[int], *, flows: bool = True) -> dict[int, HoodData]:
    """Every row the computed indicators read, for a few neighbourhoods, in a handful of queries;
    without ``flows``, only what the stock indicators read (``computed.STOCK_PARTS``)."""
    from mahalleh.activities.models import Attendance
    from mahalleh.community.models import CommunityGroup, Meeting, Membership
    from mahalleh.referrals.models import Referral
    from mahalleh.registry.models import HarmCase, HarmCaseEvent, Household, Person

    data = {h: HoodData(neighbourhood_id=h) for h in hood_ids}
    for hid, hood, vulnerability in Household.objects.filter(neighbourhood_id__in=hood_ids).values_list(
        "id", "neighbourhood_id", "vulnerability"
    ):
        data[hood].households[hid] = vulnerability
    person_hood: dict[int, int] = {}
    for pid, hood, *rest in _raw(
        Person.objects.filter(household__neighbourhood_id__in=hood_ids)
        .order_by()
        .values_list("id", "household__neighbourhood_id", *ROW_FIELDS)
    ):
        data[hood].persons[pid] = PersonRow(pid, *rest)
        person_hood[pid] = hood
    in_hoods = Q(person__household__neighbourhood_id__in=hood_ids)

    for pid, *rest in _skills(in_hoods):
        data[person_hood[pid]].skills.append((pid, *rest))

    if not flows:  # computed.STOCK_PARTS: what the stock indicators read
        return data

    cases: dict[int, HarmRow] = {}
    for cid, pid, harm, identified in (
        HarmCase.objects.filter(in_hoods)
        .order_by()
        .values_list("id", "person_id", "harm_type__code", "identified_on")
    ):
        cases[cid] = HarmRow(pid, harm, identified)
    for cid, on, to_status in (
        (
            HarmCaseEvent.objects.filter(case_id__in=list(cases))
            .order_by("on", "pk")
            .values_list("case_id", "on", "to_status")
        )
        if cases
        else ()
    ):
        cases[cid].events.append((on, to_status))
    for case in cases.values():
        data[person_hood[case.person_id]].harms.append(case)

    for pid, on, present in (
        Attendance.objects.filter(in_hoods).order_by().values_list("person_id", "session__date", "present")
    ):
        data[person_hood[pid]].attendance.append((pid, on, present))

    for pid, created, due, status, accepted, closed in (
        Referral.objects.filter(in_hoods)
        .order_by()
        .values_list("person_id", "created_at", "due_on", "status", "accepted_at", "closed_at")
    ):
        data[person_hood[pid]].referrals.append(
            (
                pid,
                local_date(created),
                due,
                status,
                accepted and local_date(accepted),
                closed and local_date(closed),
            )
        )

    groups: dict[int, tuple[int, datetime.date, list]] = {}
    for gid, hood, founded in (
        CommunityGroup.objects.filter(neighbourhood_id__in=hood_ids)
        .order_by()
        .values_list("id", "neighbourhood_id", "founded_on")
    ):
        groups[gid] = (hood, founded, [])
    if groups:
        for gid, on in (
            Meeting.objects.filter(group_id__in=list(groups)).order_by().values_list("group_id", "date")
        ):
            groups[gid][2].append(on)
    for hood, founded, meetings in groups.values():
        data[hood].groups.append((founded, meetings))

    for pid, role, joined, left in (
        Membership.objects.filter(in_hoods)
        .order_by()
        .values_list("person_id", "role", "joined_on", "left_on")
    ):
        data[person_hood[pid]].memberships.append((pid, role, joined, left))
    return data


# --------------------------------------------------------------------------- computing and writing


class NewFact(NamedTuple):
    """A fact as computed; a ``Fact`` row is made only for those that changed (``write_facts``)."""

    indicator_id: int
    neighbourhood_id: int
    period: str
    period_kind: str
    disaggregation: str
    numerator: float
    denominator: float | None
    snapshot: bool


def compute_facts(
    data: HoodData, indicators: list[Indicator], periods: list[Period], today: datetime.date
) -> list[NewFact]:
    current = {p.code for p in current_periods(today)}
    facts = []
    for ind in indicators:
        spec = REGISTRY.get(ind.code)
        if spec is None:
            continue
        same_cells = None
        for period in periods:
            if spec.stock and period.code not in current:
                continue
            # Stocks describe the registry as it is today; flows are taken at the period's end.
            day = today if spec.stock else min(period.last_day, today)
            if spec.period_free and same_cells is not None:
                cells = same_cells
            else:
                cells = same_cells = evaluate(spec, data, period, day, ind.disaggregations)
            for key, (num, den) in cells.items():
                if key and num == 0 and not den:
                    continue
                facts.append(
                    NewFact(
                        ind.pk, data.neighbourhood_id, period.code, period.kind, key, num, den, spec.stock
                    )
                )
    return facts


def manual_facts(hood_ids: list[int], indicators: dict[int, Indicator]) -> list[NewFact]:
    facts = []
    for value in ManualValue.objects.filter(
        neighbourhood_id__in=hood_ids, status=ManualValue.Status.APPROVED, indicator_id__in=list(indicators)
    ):
        ind = indicators[value.indicator_id]
        num, den = value.numerator, value.denominator
        if ind.is_rate and den is None:
            # A rate typed as such (12.5 %): stored as (0.125, 1) so that places average out.
            num, den = num / ind.scale(), 1.0
        facts.append(
            NewFact(
                indicator_id=value.indicator_id,
                neighbourhood_id=value.neighbourhood_id,
                period=value.period,
                period_kind=Period.from_code(value.period).kind,
                disaggregation="",
                numerator=num,
                denominator=den,
                snapshot=False,
            )
        )
    return facts


FactKey = tuple[int, int, str, str]
FACT_CELL = ("indicator_id", "neighbourhood_id", "period", "disaggregation")  # fact_unique_cell
FACT_FIELDS = NewFact._fields


def write_facts(existing, facts: list[NewFact]) -> int:
    """Make the facts selected by ``existing`` (a queryset) be ``facts``: rows whose figures did not
    change stay, changed ones are updated, new ones inserted and those no longer computed deleted.
    Returns the number of rows written."""
    old: dict[FactKey, tuple] = {}
    for pk, ind, hood, period, key, num, den, snap in existing.order_by().values_list(
        "pk",
        "indicator_id",
        "neighbourhood_id",
        "period",
        "disaggregation",
        "numerator",
        "denominator",
        "snapshot",
    ):
        old[(ind, hood, period, key)] = (pk, num, den, snap)
    fresh = []
    for fact in facts:
        kept = old.pop((fact.indicator_id, fact.neighbourhood_id, fact.period, fact.disaggregation), None)
        if kept is None or kept[1:] != (fact.numerator, fact.denominator, fact.snapshot):
            fresh.append(fact)
    for batch in _id_lists([row[0] for row in old.values()]):
        Fact.objects.filter(pk__any=batch).delete()
    _upsert(Fact, FACT_FIELDS, fresh, unique=FACT_CELL)
    return len(fresh)


def _row(p: PersonRow) -> tuple:
    """A resident's values of ROW_FIELDS: what its snapshot keeps."""
    return tuple(getattr(p, name) for name in ROW_FIELDS)


def _put_snapshots(rows: list[tuple[int, PersonRow]]) -> None:
    """(neighbourhood, resident) rows become these residents' snapshots (a row that moved here
    from a neighbourhood not refreshed yet has its old snapshot replaced)."""
    _upsert(
        PersonSnapshot,
        ("person_id", "neighbourhood_id", *ROW_FIELDS),
        [(p.id, hood, *_row(p)) for hood, p in rows],
        unique=("person_id",),
    )


def _put_household_snapshots(rows: list[tuple[int, int, int | None]]) -> None:
    """(household, neighbourhood, vulnerability) rows become these households' snapshots."""
    _upsert(
        HouseholdSnapshot,
        ("household_id", "neighbourhood_id", "vulnerability"),
        rows,
        unique=("household_id",),
    )


def sync_snapshots(loaded: dict[int, HoodData]) -> None:
    """After these neighbourhoods' facts were recomputed: the snapshots (what the facts were computed
    from, see ``sweep_since``) take the rows of the residents and households whose rows moved since,
    and those of residents and households no longer there go. A neighbourhood recomputed for its
    flows has its residents' rows mostly as they were: comparing them costs a fifth of writing
    them all again (290,000 residents: 0.9 s against 5.5 s, PostgreSQL, 2026-12-05)."""
    hoods = list(loaded)
    kept = {
        pid: tuple(rest)
        for pid, *rest in _raw(
            PersonSnapshot.objects.filter(neighbourhood_id__in=hoods).values_list(
                "person_id", "neighbourhood_id", *ROW_FIELDS
            )
        )
    }
    here = {p.id for data in loaded.values() for p in data.persons.values()}
    for batch in _id_lists([pid for pid in kept if pid not in here]):
        PersonSnapshot.objects.filter(person_id__any=batch).delete()
    _put_snapshots(
        [
            (hood, p)
            for hood, data in loaded.items()
            for p in data.persons.values()
            if kept.get(p.id) != (hood, *_row(p))
        ]
    )
    scores = {
        hid: (hood, score)
        for hid, hood, score in HouseholdSnapshot.objects.filter(neighbourhood_id__in=hoods).values_list(
            "household_id", "neighbourhood_id", "vulnerability"
        )
    }
    homes = {hid for data in loaded.values() for hid in data.households}
    for batch in _id_lists([hid for hid in scores if hid not in homes]):
        HouseholdSnapshot.objects.filter(household_id__any=batch).delete()
    _put_household_snapshots(
        [
            (hid, hood, score)
            for hood, data in loaded.items()
            for hid, score in data.households.items()
            if scores.get(hid) != (hood, score)
        ]
    )


@dataclass
class Written:
    computed: int = 0  # facts computed
    inserted: int = 0  # of which new or changed, written


def refresh_neighbourhoods(
    hood_ids: list[int],
    *,
    today: datetime.date,
    periods: list[Period],
    stock_only: bool = False,
    every_period: bool = True,
    stocks: bool = True,
) -> Written:
    """Recompute the facts of these neighbourhoods.

    Every period: kept are the stock facts of closed periods (snapshots), replaced is everything
    else. ``stock_only``: only the stock facts of the current periods are replaced. Not
    ``every_period``: only the computed facts of ``periods`` are replaced (``periods_reached``),
    the manual ones all, as always. Not ``stocks`` (only dated flow rows changed): the stock facts
    and the snapshots are left as they are, with the residents and households they describe.
    """
    active = list(Indicator.objects.filter(active=True))
    computed = [i for i in active if i.kind == Indicator.Kind.COMPUTED]
    manual = {i.pk: i for i in active if i.kind == Indicator.Kind.MANUAL}
    current = [p.code for p in current_periods(today)]
    stock = set(stock_codes())
    if stock_only:
        computed = [i for i in computed if i.code in stock]
        periods = [p for p in periods if p.code in current]
    left = [] if stocks else [i for i in computed if i.code in stock]
    computed = [i for i in computed if i not in left]
    written = Written()
    for start in range(0, len(hood_ids), CHUNK):
        chunk = hood_ids[start : start + CHUNK]
        loaded = load(chunk, flows=not stock_only)
        facts = [f for hood in chunk for f in compute_facts(loaded[hood], computed, periods, today)]
        existing = Fact.objects.filter(neighbourhood_id__in=chunk)
        if stock_only:
            existing = existing.filter(indicator__in=computed, period__in=current)
        else:
            facts += manual_facts(chunk, manual)
            recomputed = Q(snapshot=False) | Q(period__in=current)
            if not every_period:
                recomputed &= Q(period__in=[p.code for p in periods])
            existing = existing.filter(recomputed | ~Q(indicator__in=computed)).exclude(indicator__in=left)
        with transaction.atomic():
            written.inserted += write_facts(existing, facts)
            if stocks:
                sync_snapshots(loaded)
        written.computed += len(facts)
    return written


CHANGE_CHUNK = 200  # neighbourhoods whose facts move by difference in one transaction


def _stock_indicators() -> list[Indicator]:
    return list(Indicator.objects.filter(active=True, kind=Indicator.Kind.COMPUTED, code__in=stock_codes()))


def _households_of(changed: dict[int, list[Change]]) -> tuple[dict[int, HoodData], dict[int, HoodData]]:
    """The households the changed residents were in or are in now, every resident of them with the
    skills courses they took: as the facts saw them (the snapshot's rows for the changed) and now."""
    from mahalleh.registry.models import Person

    old_rows = {new.id: old for pairs in changed.values() for old, new in pairs}
    households = sorted({row.household_id for pairs in changed.values() for pair in pairs for row in pair})
    before = {h: HoodData(neighbourhood_id=h) for h in changed}
    after = {h: HoodData(neighbourhood_id=h) for h in changed}
    hood_of: dict[int, int] = {}
    for batch in _id_lists(households):
        for pid, hood, *rest in _raw(
            Person.objects.filter(household_id__any=batch)
            .order_by()
            .values_list("id", "household__neighbourhood_id", *ROW_FIELDS)
        ):
            # A household lies in one neighbourhood, and one that moved took its neighbourhoods
            # out of ``changed`` (every period is recomputed there).
            if hood in after:
                row = PersonRow(pid, *rest)
                after[hood].persons[pid] = row
                before[hood].persons[pid] = old_rows.get(pid, row)
                hood_of[pid] = hood
    for batch in _id_lists(list(hood_of)):
        for pid, *rest in _skills(Q(person_id__any=batch)):
            for data in (before[hood_of[pid]], after[hood_of[pid]]):
                data.skills.append((pid, *rest))
    return before, after


def _stock_facts(hoods: list[int], indicator_ids: set[int], periods: list[str]) -> dict[FactKey, tuple]:
    """The facts of these cells: (row id, numerator, denominator) by cell."""
    if not indicator_ids:
        return {}
    rows = _raw(
        Fact.objects.filter(neighbourhood_id__in=hoods, indicator_id__in=indicator_ids, period__in=periods)
        .order_by()
        .values_list(
            "pk", "indicator_id", "neighbourhood_id", "period", "disaggregation", "numerator", "denominator"
        )
    )
    return {(ind, hood, period, key): (pk, num, den) for pk, ind, hood, period, key, num, den in rows}


def apply_changes(changed: dict[int, list[Change]], *, today: datetime.date) -> Written:
    """Move the current stock facts of these neighbourhoods by what the households of their changed
    residents add now minus what they added with the snapshot's values (the module's docstring
    says why that is exact); then the snapshots take the new rows."""
    stock = _stock_indicators()
    periods = current_periods(today)
    kinds = {p.code: p.kind for p in periods}
    rate = {ind.pk: REGISTRY[ind.code].unit != "count" for ind in stock}
    written = Written()
    hoods = sorted(changed)
    for start in range(0, len(hoods), CHANGE_CHUNK):
        part = {h: changed[h] for h in hoods[start : start + CHANGE_CHUNK]}
        before, after = _households_of(part)
        moves: dict[FactKey, tuple[float, float]] = {}
        for hood in part:
            for ind in stock:
                spec = REGISTRY[ind.code]
                cells = None
                for period in periods:
                    if cells is None or not spec.period_free:
                        new = evaluate(spec, after[hood], period, today, ind.disaggregations)
                        old = evaluate(spec, before[hood], period, today, ind.disaggregations)
                        cells = {}
                        for key in new.keys() | old.keys():
                            (n1, d1), (n0, d0) = new.get(key, (0.0, None)), old.get(key, (0.0, None))
                            if n1 != n0 or d1 != d0:
                                cells[key] = (n1 - n0, (d1 or 0.0) - (d0 or 0.0))
                    for key, move in cells.items():
                        moves[(ind.pk, hood, period.code, key)] = move
        with transaction.atomic():
            old_facts = _stock_facts(list(part), {cell[0] for cell in moves}, list(kinds))
            written.inserted += _move_facts(moves, old_facts, rate, kinds)
            _put_snapshots([(hood, new) for hood, pairs in part.items() for _old, new in pairs])
        written.computed += len(moves)
    return written


def _move_facts(
    moves: dict[FactKey, tuple[float, float]], old_facts: dict[FactKey, tuple], rate: dict, kinds: dict
) -> int:
    """Replace the facts of the moved cells by their figures plus the moves (``rate``: indicator id
    → whether it has a denominator; ``kinds``: period code → kind); returns the rows written."""
    gone, fresh = [], []
    for cell, (dn, dd) in moves.items():
        ind, hood, period, key = cell
        pk, num, den = old_facts.get(cell, (None, 0.0, None))
        num += dn
        den = (den or 0.0) + dd if rate[ind] else None
        # As compute_facts: no row for a share of nobody or for an empty breakdown of a count.
        if (den == 0) if rate[ind] else (key and num == 0):
            if pk is not None:
                gone.append(pk)
            continue
        fresh.append((ind, hood, period, kinds[period], key, num, den, True))
    for batch in _id_lists(gone):
        Fact.objects.filter(pk__any=batch).delete()
    _upsert(Fact, FACT_FIELDS, fresh, unique=FACT_CELL)
    return len(fresh)


def rebuild_province_sums(
    province_ids: Iterable[int] | None = None,
    *,
    indicator_ids: Iterable[int] | None = None,
    periods: Iterable[str] | None = None,
) -> None:
    """Sum the neighbourhoods' facts per province (all provinces, or these; all cells, or those of
    these indicators and periods) into ``ProvinceFact``, one INSERT … SELECT: what the national and
    provincial dashboards read."""
    names = {
        "sums": ProvinceFact._meta.db_table,
        "facts": Fact._meta.db_table,
        "hoods": Neighbourhood._meta.db_table,
        "counties": County._meta.db_table,
    }
    filters: list[tuple[str, str, list]] = []  # (column in the sums, column in the SELECT, values)
    for sums_column, select_column, values in (
        ("province_id", "c.province_id", province_ids),
        ("indicator_id", "f.indicator_id", indicator_ids),
        ("period", "f.period", periods),
    ):
        if values is not None:
            values = sorted(set(values))
            if not values:
                return
            filters.append((sums_column, select_column, values))

    def where(use: int) -> str:
        return " AND ".join(f"{f[use]} IN ({', '.join(['%s'] * len(f[2]))})" for f in filters)

    params = [v for f in filters for v in f[2]]
    # Table and column names from the models' metadata and placeholders only: nothing typed by a user.
    delete = f"DELETE FROM {names['sums']}" + (f" WHERE {where(0)}" if filters else "")  # noqa: S608
    insert = (  # noqa: S608
        "INSERT INTO {sums} (indicator_id, province_id, period, disaggregation, numerator, denominator) "
        "SELECT f.indicator_id, c.province_id, f.period, f.disaggregation, SUM(f.numerator), "
        "SUM(f.denominator) FROM {facts} f JOIN {hoods} n ON n.id = f.neighbourhood_id "
        "JOIN {counties} c ON c.id = n.county_id {where} "
        "GROUP BY f.indicator_id, c.province_id, f.period, f.disaggregation"
    ).format(**names, where=f"WHERE {where(1)}" if filters else "")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(delete, params)
        cursor.execute(insert, params)


def provinces_of(hood_ids: Iterable[int]) -> set[int]:
    return set(
        Neighbourhood.objects.filter(pk__in=list(hood_ids)).values_list("county__province_id", flat=True)
    )


@dataclass
class RefreshResult:
    neighbourhoods: int  # brought up to date, for every period or for stock facts only
    facts: int  # computed (recomputed, or moved by a difference)
    full: bool
    stock_only: int = 0  # of the neighbourhoods, those whose current stock facts only were updated
    changed: int = 0  # facts inserted because they were new or their figures changed
    by_difference: int = 0  # of the stock-only ones, those moved by their changed residents only


def refresh(
    *,
    full: bool = False,
    today: datetime.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RefreshResult:
    """Bring the fact table up to date: the dirty neighbourhoods, or all of them with ``full``."""
    catalogue.sync()
    today = today or today_tehran()
    started = timezone.now()
    state, _created = RefreshState.objects.get_or_create(pk=1)
    month = Period.containing(today, "month").code
    stock_ids: list[int] = []
    changed: dict[int, list[Change]] = {}
    since: dict[int, datetime.date | None] = {}  # of hood_ids: from which day (None: every period)
    if full or state.current_period != month or state.watermark is None:
        hood_ids = list(Neighbourhood.objects.order_by("pk").values_list("pk", flat=True))
        full = True
        state.overlap_seen = []  # nothing swept: the next run sweeps the overlap whole
        stocks_moved: set[int] = set(hood_ids)
        # Rewritten for every neighbourhood below; rows of deleted persons and households go.
        PersonSnapshot.objects.all().delete()
        HouseholdSnapshot.objects.all().delete()
    else:
        swept = sweep_since(
            state.watermark - WATERMARK_OVERLAP,
            seen=state.overlap_seen,
            keep_after=started - WATERMARK_OVERLAP,
        )
        state.overlap_seen = swept.seen
        marks = list(
            DirtyNeighbourhood.objects.values_list("neighbourhood_id", "stock_only", "since", "stocks")
        )
        for hood, stock_only, day, _stocks in marks:
            if not stock_only:
                swept.touch(hood, day)  # a mark for flows adds up with what the sweep found
        every, since = swept.all, swept.since
        stock = (swept.stock_only | {h for h, stock_only, _day, _stocks in marks if stock_only}) - every
        stocks_moved = swept.stocks | {h for h, _stock_only, _day, stocks in marks if stocks}
        # A deleted neighbourhood's facts went with it (on_delete=CASCADE).
        places = Neighbourhood.objects.all()
        if state.stock_day == today:
            places = places.filter(pk__in=every | stock | set(swept.changed))
        existing = set(places.values_list("pk", flat=True))
        if state.stock_day != today:
            # A new day: ages and six-month windows moved for everyone (the module's docstring).
            stock = existing - every
        hood_ids = sorted(every & existing)
        stock_ids = sorted(stock & existing)
        changed = {h: swept.changed[h] for h in sorted((set(swept.changed) & existing) - every - stock)}
    periods = fact_periods(today)
    written = Written()
    total = len(hood_ids) + len(stock_ids) + len(changed)
    done = 0
    # Neighbourhoods whose flows changed from the same day on are recomputed together, over the
    # periods that day reaches (all of them after a full rebuild's or a resident's change), with
    # their stock facts if their residents or households changed too, or the day is new.
    reach: dict[tuple[tuple[str, ...], bool], tuple[list[Period], list[int]]] = {}
    for hood in hood_ids:
        some = periods_reached(periods, since.get(hood), today)
        stocks = since.get(hood) is None or hood in stocks_moved or state.stock_day != today
        reach.setdefault((tuple(p.code for p in some), stocks), (some, []))[1].append(hood)
    parts = [(ids, some, False, stocks) for (_codes, stocks), (some, ids) in reach.items()]
    parts.append((stock_ids, periods, True, True))
    for ids, some, stock_only, stocks in parts:
        for start in range(0, len(ids), CHUNK):
            part = refresh_neighbourhoods(
                ids[start : start + CHUNK],
                today=today,
                periods=some,
                stock_only=stock_only,
                every_period=stock_only or len(some) == len(periods),
                stocks=stocks,
            )
            written.computed += part.computed
            written.inserted += part.inserted
            done += len(ids[start : start + CHUNK])
            if progress:
                progress(done, total)
    if changed:
        part = apply_changes(changed, today=today)
        written.computed += part.computed
        written.inserted += part.inserted
        if progress:
            progress(total, total)
    if full:
        rebuild_province_sums()
    else:
        every_provinces = provinces_of(hood_ids)
        # The periods recomputed: all of them if any neighbourhood's were.
        codes = {code for key, _stocks in reach for code in key}
        if any(len(some) == len(periods) for some, _ids in reach.values()):
            codes = None
        rebuild_province_sums(every_provinces, periods=codes)
        rebuild_province_sums(
            provinces_of([*stock_ids, *changed]) - every_provinces,
            indicator_ids=[i.pk for i in Indicator.objects.filter(code__in=stock_codes())],
            periods=[p.code for p in current_periods(today)],
        )
    # Marks made while we were computing stay for the next run.
    DirtyNeighbourhood.objects.filter(marked_at__lte=started).delete()
    state.last_refresh_at = timezone.now()
    if full:
        state.last_full_at = state.last_refresh_at
    state.watermark = started
    state.current_period = month
    state.stock_day = today
    state.neighbourhoods_refreshed = total
    state.facts_written = written.computed
    state.save()
    return RefreshResult(
        neighbourhoods=total,
        facts=written.computed,
        full=full,
        stock_only=len(stock_ids) + len(changed),
        changed=written.inserted,
        by_difference=len(changed),
    )


def stock_codes() -> list[str]:
    return [code for code, spec in REGISTRY.items() if spec.stock]
