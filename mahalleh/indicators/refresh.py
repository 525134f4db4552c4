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
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from mahalleh.core.jalali import Period, local_date
from mahalleh.geo.models import County, Neighbourhood
from mahalleh.indicators import catalogue
from mahalleh.indicators.computed import REGISTRY, HarmRow, HoodData, PersonRow, evaluate
from mahalleh.indicators.models import (
    DirtyNeighbourhood,
    Fact,
    Indicator,
    ManualValue,
    Plan,
    ProvinceFact,
    RefreshState,
)

CHUNK = 20  # neighbourhoods loaded and written together
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


def mark_dirty(neighbourhood_ids: Iterable[int | None]) -> None:
    ids = {int(i) for i in neighbourhood_ids if i is not None}
    if not ids:
        return
    now = timezone.now()
    DirtyNeighbourhood.objects.bulk_create(
        [DirtyNeighbourhood(neighbourhood_id=i, marked_at=now) for i in sorted(ids)],
        update_conflicts=True,
        unique_fields=["neighbourhood_id"],
        update_fields=["marked_at"],
    )


def sweep_since(since: datetime.datetime) -> set[int]:
    """Neighbourhoods with rows written since ``since`` (set-based writes send no signals)."""
    from mahalleh.activities.models import Attendance
    from mahalleh.community.models import CommunityGroup
    from mahalleh.referrals.models import Referral
    from mahalleh.registry.models import HarmCase, Household, Person

    hoods: set[int] = set()
    sources = [
        (Household.objects.filter(updated_at__gt=since), "neighbourhood_id"),
        (Person.objects.filter(updated_at__gt=since), "household__neighbourhood_id"),
        (HarmCase.objects.filter(updated_at__gt=since), "person__household__neighbourhood_id"),
        (Attendance.objects.filter(recorded_at__gt=since), "person__household__neighbourhood_id"),
        (Referral.objects.filter(updated_at__gt=since), "person__household__neighbourhood_id"),
        (CommunityGroup.objects.filter(updated_at__gt=since), "neighbourhood_id"),
        (ManualValue.objects.filter(updated_at__gt=since), "neighbourhood_id"),
    ]
    for queryset, column in sources:
        hoods.update(
            v for v in queryset.order_by().values_list(column, flat=True).distinct() if v is not None
        )
    return hoods


# --------------------------------------------------------------------------- loading


def load(hood_ids: list[int]) -> dict[int, HoodData]:
    """Every row the computed indicators read, for a few neighbourhoods, in a handful of queries."""
    from mahalleh.activities.models import Activity, Attendance, Enrolment
    from mahalleh.community.models import CommunityGroup, Meeting, Membership
    from mahalleh.referrals.models import Referral
    from mahalleh.registry.models import HarmCase, HarmCaseEvent, Household, Person

    data = {h: HoodData(neighbourhood_id=h) for h in hood_ids}
    for hid, hood, vulnerability in Household.objects.filter(neighbourhood_id__in=hood_ids).values_list(
        "id", "neighbourhood_id", "vulnerability"
    ):
        data[hood].households[hid] = vulnerability
    person_hood: dict[int, int] = {}
    for row in (
        Person.objects.filter(household__neighbourhood_id__in=hood_ids)
        .order_by()
        .values_list(
            "id",
            "household_id",
            "household__neighbourhood_id",
            "sex",
            "birth_date",
            "nationality",
            "status",
            "status_changed_on",
            "school_enrolled",
            "employment",
            "insurance",
        )
    ):
        pid, household_id, hood, *rest = row
        data[hood].persons[pid] = PersonRow(pid, household_id, *rest)
        person_hood[pid] = hood
    in_hoods = Q(person__household__neighbourhood_id__in=hood_ids)

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

    for pid, enrolled, left, starts, ends in (
        Enrolment.objects.filter(in_hoods, activity__kind=Activity.Kind.SKILLS)
        .order_by()
        .values_list("person_id", "enrolled_on", "left_on", "activity__starts_on", "activity__ends_on")
    ):
        data[person_hood[pid]].skills.append((pid, enrolled, left, starts, ends))

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


def compute_facts(
    data: HoodData, indicators: list[Indicator], periods: list[Period], today: datetime.date
) -> list[Fact]:
    current = {p.code for p in current_periods(today)}
    facts = []
    for ind in indicators:
        spec = REGISTRY.get(ind.code)
        if spec is None:
            continue
        for period in periods:
            if spec.stock and period.code not in current:
                continue
            # Stocks describe the registry as it is today; flows are taken at the period's end.
            day = today if spec.stock else min(period.last_day, today)
            for key, (num, den) in evaluate(spec, data, period, day, ind.disaggregations).items():
                if key and num == 0 and not den:
                    continue
                facts.append(
                    Fact(
                        indicator_id=ind.pk,
                        neighbourhood_id=data.neighbourhood_id,
                        period=period.code,
                        period_kind=period.kind,
                        disaggregation=key,
                        numerator=num,
                        denominator=den,
                        snapshot=spec.stock,
                    )
                )
    return facts


def manual_facts(hood_ids: list[int], indicators: dict[int, Indicator]) -> list[Fact]:
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
            Fact(
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


def refresh_neighbourhoods(hood_ids: list[int], *, today: datetime.date, periods: list[Period]) -> int:
    """Recompute the facts of these neighbourhoods; returns the number of facts written.

    Kept: stock facts of closed periods (snapshots). Replaced: everything else.
    """
    active = list(Indicator.objects.filter(active=True))
    computed = [i for i in active if i.kind == Indicator.Kind.COMPUTED]
    manual = {i.pk: i for i in active if i.kind == Indicator.Kind.MANUAL}
    current = [p.code for p in current_periods(today)]
    written = 0
    for start in range(0, len(hood_ids), CHUNK):
        chunk = hood_ids[start : start + CHUNK]
        loaded = load(chunk)
        facts = [f for hood in chunk for f in compute_facts(loaded[hood], computed, periods, today)]
        facts += manual_facts(chunk, manual)
        with transaction.atomic():
            Fact.objects.filter(neighbourhood_id__in=chunk).filter(
                Q(snapshot=False) | Q(period__in=current) | ~Q(indicator__in=computed)
            ).delete()
            Fact.objects.bulk_create(facts, batch_size=2000)
        written += len(facts)
    return written


def rebuild_province_sums(province_ids: Iterable[int] | None = None) -> None:
    """Sum the neighbourhoods' facts per province (all provinces, or these) into ``ProvinceFact``,
    one INSERT … SELECT: what the national and provincial dashboards read."""
    names = {
        "sums": ProvinceFact._meta.db_table,
        "facts": Fact._meta.db_table,
        "hoods": Neighbourhood._meta.db_table,
        "counties": County._meta.db_table,
    }
    ids = None if province_ids is None else sorted({int(i) for i in province_ids})
    if ids == []:
        return
    only = "" if ids is None else f"province_id IN ({', '.join(['%s'] * len(ids))})"
    # Table names from the models' metadata and placeholders only: nothing typed by a user.
    delete = f"DELETE FROM {names['sums']}" + (f" WHERE {only}" if only else "")  # noqa: S608
    insert = (  # noqa: S608
        "INSERT INTO {sums} (indicator_id, province_id, period, disaggregation, numerator, denominator) "
        "SELECT f.indicator_id, c.province_id, f.period, f.disaggregation, SUM(f.numerator), "
        "SUM(f.denominator) FROM {facts} f JOIN {hoods} n ON n.id = f.neighbourhood_id "
        "JOIN {counties} c ON c.id = n.county_id {where} "
        "GROUP BY f.indicator_id, c.province_id, f.period, f.disaggregation"
    ).format(**names, where=f"WHERE c.{only}" if only else "")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(delete, ids or [])
        cursor.execute(insert, ids or [])


def provinces_of(hood_ids: Iterable[int]) -> set[int]:
    return set(
        Neighbourhood.objects.filter(pk__in=list(hood_ids)).values_list("county__province_id", flat=True)
    )


@dataclass
class RefreshResult:
    neighbourhoods: int
    facts: int
    full: bool


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
    if full or state.current_period != month or state.watermark is None:
        hood_ids = list(Neighbourhood.objects.order_by("pk").values_list("pk", flat=True))
        full = True
    else:
        hood_ids = sorted(
            set(DirtyNeighbourhood.objects.values_list("neighbourhood_id", flat=True))
            | sweep_since(state.watermark - WATERMARK_OVERLAP)
        )
        # A deleted neighbourhood's facts went with it (on_delete=CASCADE).
        existing = set(Neighbourhood.objects.filter(pk__in=hood_ids).values_list("pk", flat=True))
        hood_ids = [h for h in hood_ids if h in existing]
    periods = fact_periods(today)
    written = 0
    step = max(1, CHUNK)
    for start in range(0, len(hood_ids), step):
        written += refresh_neighbourhoods(hood_ids[start : start + step], today=today, periods=periods)
        if progress:
            progress(min(start + step, len(hood_ids)), len(hood_ids))
    rebuild_province_sums(None if full else provinces_of(hood_ids))
    # Marks made while we were computing stay for the next run.
    DirtyNeighbourhood.objects.filter(marked_at__lte=started).delete()
    state.last_refresh_at = timezone.now()
    if full:
        state.last_full_at = state.last_refresh_at
    state.watermark = started
    state.current_period = month
    state.neighbourhoods_refreshed = len(hood_ids)
    state.facts_written = written
    state.save()
    return RefreshResult(neighbourhoods=len(hood_ids), facts=written, full=full)
